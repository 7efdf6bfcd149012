// Run a task per item, at most `limit` at once, in item order of starting. The first failure
// stops new starts; the others already running finish before it is thrown.
export async function parallel<T>(items: readonly T[], limit: number, run: (item: T, i: number) => Promise<void>, queued?: (item: T) => void): Promise<void> {
  if (queued) for (const it of items) queued(it);
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await run(items[i], i);
      } catch (e) {
        failed ??= { error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw failed.error;
}
