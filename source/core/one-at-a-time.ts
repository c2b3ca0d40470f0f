// Several machines installed from one process write to shared files (one flake's git index, the
// tool's known_hosts): such a read-modify-write runs one at a time per file.
const queues = new Map<string, Promise<unknown>>();

/** Runs `work` after every earlier call with the same key has settled. */
export function oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(work, work);
  const settled = next.catch(() => {});
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return next;
}
