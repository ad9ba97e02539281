/** FNV-1a (32 bit) of a string: cheap, stable across runs, so every derived value is reproducible. */
export function queryHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A second, independent-looking number in [0, 1) from the same hash (for scores and shares). */
export function unitFromHash(hash: number, salt: number): number {
  const mixed = Math.imul(hash ^ Math.imul(salt + 1, 0x9e3779b1), 0x85ebca6b) >>> 0;
  return ((mixed ^ (mixed >>> 13)) >>> 0) / 0x1_0000_0000;
}
