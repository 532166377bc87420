// A value the page keeps and changes with what the server sends, one change at
// a time (a Reflex var is resent whole whenever it changes; these vars carry
// only changes: states/chat/shown.py, states/common/changes.py). The value
// lives in the module, not in a component, and follows the state store itself
// from the first time it is read: every change applies once, in order, whether
// or not anything that shows it is on screen (a move between chat pages, the
// drawer opens and closes).
import { useContext, useSyncExternalStore } from "react";
import { StateStoreContext } from "$/utils/context-registry";

// `take(kept, change, options)` returns the value after `change` (`kept` itself
// when the change does not apply); the hook returns the value kept.
export function keptVar(initial, take) {
  let kept = initial;
  let seen;
  let followed = null;
  const listeners = new Set();

  const apply = (change, options) => {
    if (change == null || change === seen) return false;
    seen = change;
    const next = take(kept, change, options);
    if (next === kept) return false;
    kept = next;
    return true;
  };

  const follow = (store, state, field, options) => {
    if (followed === store) return;
    followed = store;
    const latest = () => store.getSnapshot(state)?.[field];
    store.subscribe(state, () => {
      if (apply(latest(), options)) listeners.forEach((listener) => listener());
    });
    apply(latest(), options); // during a render: its readers read it next
  };

  const subscribe = (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  const snapshot = () => kept;

  // `state` and `field` name the var in the store.
  return function useKept(state, field, options) {
    follow(useContext(StateStoreContext), state, field, options);
    return useSyncExternalStore(subscribe, snapshot, snapshot);
  };
}
