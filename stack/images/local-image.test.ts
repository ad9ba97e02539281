import { describe, expect, it } from 'vitest';
import { imageBinaries } from './local-image.ts';

describe('imageBinaries', () => {
  it('puts a static build in the image under the plain name, and no dynamic twin', () => {
    expect(imageBinaries({ jaeger: '/c/bin/jaeger', 'jaeger-static': '/c/bin/jaeger-static' })).toEqual([
      ['jaeger', '/c/bin/jaeger-static'],
    ]);
  });

  it('keeps every binary of a component without static variants', () => {
    expect(imageBinaries({ prometheus: '/p', promtool: '/t' })).toEqual([
      ['prometheus', '/p'],
      ['promtool', '/t'],
    ]);
  });
});
