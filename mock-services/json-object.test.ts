import { describe, expect, it } from 'vitest';
import { isJsonObject, parseJsonObject } from './json-object.ts';

describe('parseJsonObject', () => {
  it('returns a JSON object', () => {
    expect(parseJsonObject('{"query":"q","n":1}')).toEqual({ query: 'q', n: 1 });
  });

  it('returns undefined for malformed JSON, arrays, null and scalars', () => {
    for (const text of ['{"query": ', '[1, 2]', 'null', '42', '"text"', ''])
      expect(parseJsonObject(text), text).toBeUndefined();
  });

  it('isJsonObject refuses null and arrays', () => {
    expect([isJsonObject({}), isJsonObject(null), isJsonObject([]), isJsonObject('x')]).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });
});
