/**
 * Runs `fn` over items from a (possibly async, possibly huge) iterable with at most `limit` calls in
 * flight, pulling items lazily so memory stays bounded by `limit`, not by the input size.
 */
export async function forEachConcurrent<T>(
  items: Iterable<T> | AsyncIterable<T>,
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const iterator =
    Symbol.asyncIterator in items
      ? (items as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (items as Iterable<T>)[Symbol.iterator]();
  let failed: unknown;
  let done = false;
  // Pulls are serialised so two workers never call next() on the iterator at once.
  let pulling: Promise<unknown> = Promise.resolve();
  const next = (): Promise<IteratorResult<T>> => {
    const result = pulling.then(() => iterator.next());
    pulling = result.catch(() => undefined);
    return result;
  };
  const worker = async () => {
    while (!done && failed === undefined) {
      const item = await next();
      if (item.done) {
        done = true;
        return;
      }
      try {
        await fn(item.value);
      } catch (error) {
        failed ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
  if (failed !== undefined) throw failed;
}
