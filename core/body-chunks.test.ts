import { describe, expect, it } from 'vitest';
import { BodyChunks } from './body-chunks.ts';

describe('BodyChunks', () => {
  it('reads no chunk as empty, one as itself, several joined in order', () => {
    expect(new BodyChunks().text()).toBe('');
    const one = new BodyChunks();
    one.add(Buffer.from('{"ok":true}'));
    expect(one.text()).toBe('{"ok":true}');
    const many = new BodyChunks();
    for (const part of ['{"a":', '"é', '"}']) many.add(Buffer.from(part));
    expect(many.text()).toBe('{"a":"é"}');
  });
});
