/**
 * Imports `load` with the global `fetch` hidden. Ink's layout engine (yoga-layout) loads its
 * WebAssembly from a data: URL with fetch() whenever fetch exists: that loads Node's undici and
 * decodes through it, ~20 ms before the first frame on a 2-core machine. Without fetch it decodes
 * the same bytes itself. The global is put back as it was (still lazy) once the import is done.
 */
export async function importWithoutFetch<T>(load: () => Promise<T>): Promise<T> {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (!descriptor?.configurable) return load();
  Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return await load();
  } finally {
    Object.defineProperty(globalThis, 'fetch', descriptor);
  }
}
