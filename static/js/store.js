// A small store: one state object, shallow patches, change events naming what changed.

export function createStore(initial) {
  let state = initial;
  const listeners = new Set();
  return {
    get: () => state,
    /** Merge `patch` into the state and tell every listener which keys changed. */
    set(patch) {
      state = { ...state, ...patch };
      const keys = new Set(Object.keys(patch));
      for (const fn of listeners) fn(state, keys);
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
