// Listening to a pushed event from an effect: the listener is registered asynchronously, so
// an effect cleaned up before registration finishes must still remove it.
type Listen<T> = (handler: (e: { payload: T }) => void) => Promise<() => void>;

/** Starts listening; the returned function stops, whether or not registration finished. */
export function subscribe<T>(listen: Listen<T>, handler: (payload: T) => void): () => void {
  let unlisten: (() => void) | undefined;
  let disposed = false;
  listen((e) => handler(e.payload))
    .then((u) => (disposed ? u() : (unlisten = u)))
    .catch(() => undefined);
  return () => {
    disposed = true;
    unlisten?.();
  };
}
