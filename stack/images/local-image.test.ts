import { describe, expect, it } from 'vitest';
import { imageBinaries } from './local-image.ts';

describe('imageBinaries', () => {
  it('puts a static build in the image under the plain name, and no dynamic twin', () => {
    expect(imageBinaries({ grafana: '/c/bin/grafana', 'grafana-static': '/c/bin/grafana-static' })).toEqual([
      ['grafana', '/c/bin/grafana-static'],
    ]);
  });

  it('keeps every binary of a component without static variants', () => {
    expect(imageBinaries({ prometheus: '/p', promtool: '/t' })).toEqual([
      ['prometheus', '/p'],
      ['promtool', '/t'],
    ]);
  });
});
