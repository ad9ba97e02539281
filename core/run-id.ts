import { randomBytes } from 'node:crypto';

/** A sortable, unique run id: 20261123T120501-3f9a1c. */
export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}
