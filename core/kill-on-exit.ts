/**
 * Last-resort kills, run synchronously when this process exits (an error, `process.exit`, the end
 * of a signal's teardown) while their child is still registered: no orphan survives the harness.
 */
const kills = new Set<() => void>();
let installed = false;

/** Runs `kill` if this process exits before the returned function is called (the child ended or was stopped). */
export function killOnExit(kill: () => void): () => void {
  if (!installed) {
    installed = true;
    process.on('exit', () => {
      for (const k of kills) {
        try {
          k();
        } catch {
          // Gone already: nothing left to kill.
        }
      }
    });
  }
  kills.add(kill);
  return () => {
    kills.delete(kill);
  };
}
