// The bookkeeping of work begun for a container's start before the start is asked for (the
// Docker API's start begun at create, containers/start-ahead.ts; the CRI's runtime create,
// containers/precreate.ts): one entry per container, taken by the start, or dropped by its
// owner on expiry, at the container's removal (destroy) and when the engine settles.
export class AheadMap<T> {
  readonly #entries = new Map<string, { value: T; timer: NodeJS.Timeout }>();

  /** Keeps `value` for the container's start; `expire` runs after expireMs unless it was taken. */
  set(id: string, value: T, expireMs: number, expire: (id: string) => void): void {
    this.take(id);
    const timer = setTimeout(() => { if (this.#entries.get(id)?.value === value) expire(id); }, expireMs);
    timer.unref();
    this.#entries.set(id, { value, timer });
  }

  has(id: string): boolean { return this.#entries.has(id); }
  get(id: string): T | undefined { return this.#entries.get(id)?.value; }

  /** The entry, no longer kept (its expiry cancelled): the caller uses or drops it. */
  take(id: string): T | undefined {
    const e = this.#entries.get(id);
    if (!e) return undefined;
    this.#entries.delete(id);
    clearTimeout(e.timer);
    return e.value;
  }

  ids(): string[] { return [...this.#entries.keys()]; }

  /** Forgets every entry without dropping it (an engine closed without settle). */
  clear(): void {
    for (const e of this.#entries.values()) clearTimeout(e.timer);
    this.#entries.clear();
  }
}
