/**
 * Collects started things and disposes them in reverse order, like `AsyncDisposableStack` (which
 * Node 20 lacks). Every disposal runs even when one fails; the first failure is rethrown.
 */
export class Teardown implements AsyncDisposable {
  private readonly items: AsyncDisposable[] = [];

  use<T extends AsyncDisposable>(item: T): T {
    this.items.push(item);
    return item;
  }

  async disposeAsync(): Promise<void> {
    let first: unknown;
    while (this.items.length > 0) {
      const item = this.items.pop();
      try {
        await item?.[Symbol.asyncDispose]();
      } catch (error) {
        first ??= error;
      }
    }
    if (first !== undefined) throw first;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.disposeAsync();
  }
}
