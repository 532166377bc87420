// The messages the chat page shows. The server sends changes, not the list
// (states/chat/shown.py: a list var would be resent whole at every send), and
// this keeps the list they make. It lives in the module, not in a component,
// and follows the state store itself: every change applies once, in order,
// whether or not the list is on screen (the `/` page shows none until the
// first send, and is replaced by the `/chat/<id>` page just after it). A
// reload starts from nothing and waits for a "reset". Items leave out fields
// that hold their default (`defaults`, from the server's MessageView), and a
// change to a shown message holds only what changed.
import { useContext, useSyncExternalStore } from "react";
import { StateStoreContext } from "$/utils/context-registry";
import { replyTexts } from "../message_copy/reply_texts.js";

let kept = { seq: -1, items: [] };
const listeners = new Set();
let followed = null;

function put(items, changes, defaults) {
  const at = new Map(items.map((item, index) => [item.id, index]));
  const merged = items.slice();
  for (const change of changes) {
    const index = at.get(change.id);
    if (index === undefined) {
      at.set(change.id, merged.length);
      merged.push({ ...defaults, ...change });
    } else {
      merged[index] = { ...merged[index], ...change };
    }
  }
  return merged;
}

// Apply one change (a MessageLog); whether the list changed.
function take(log, defaults) {
  if (!log || log.seq === kept.seq) return false;
  const whole = (items) => items.map((item) => ({ ...defaults, ...item }));
  if (log.mode === "reset") {
    kept = { seq: log.seq, items: whole(log.items) };
    replyTexts.clear();
  } else if (log.after === kept.seq) {
    const items =
      log.mode === "earlier"
        ? [...whole(log.items), ...kept.items]
        : put(kept.items, log.items, defaults);
    kept = { seq: log.seq, items };
  } else {
    return false; // a change on top of one this page never had: wait for a reset
  }
  return true;
}

function follow(store, state, field, defaults) {
  if (followed === store) return;
  followed = store;
  const latest = () => store.getSnapshot(state)?.[field];
  store.subscribe(state, () => {
    if (take(latest(), defaults)) listeners.forEach((listener) => listener());
  });
  take(latest(), defaults); // during a render: its readers read it next
}

function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const snapshot = () => kept.items;

// The shown messages; `state` and `field` name the MessageLog var in the store.
export function useShownMessages(state, field, defaults) {
  follow(useContext(StateStoreContext), state, field, defaults);
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

// Renders nothing: keeps the list following the store while the chat page is open.
export function FollowShownMessages({ state, field, defaults }) {
  useShownMessages(state, field, defaults);
  return null;
}
