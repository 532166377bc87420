// The messages the chat page shows. The server sends changes, not the list
// (states/chat/shown.py: a list var would be resent whole at every send), and
// this keeps the list they make (kept_var.js). A reload starts from nothing
// and waits for a "reset". Items leave out fields that hold their default
// (`defaults`, from the server's MessageView), and a change to a shown message
// holds only what changed.
import { keptVar } from "../kept_var/kept_var.js";
import { replyTexts } from "../message_copy/reply_texts.js";

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

// The list after one change (a MessageLog).
function take(kept, log, defaults) {
  if (log.seq === kept.seq) return kept;
  const whole = (items) => items.map((item) => ({ ...defaults, ...item }));
  if (log.mode === "reset") {
    replyTexts.clear();
    return { seq: log.seq, items: whole(log.items) };
  }
  if (log.after !== kept.seq) return kept; // on top of a change this page never had
  const items =
    log.mode === "earlier" ? [...whole(log.items), ...kept.items] : put(kept.items, log.items, defaults);
  return { seq: log.seq, items };
}

const useKept = keptVar({ seq: -1, items: [] }, take);

// The shown messages; `state` and `field` name the MessageLog var in the store.
export function useShownMessages(state, field, defaults) {
  return useKept(state, field, defaults).items;
}

// Renders nothing: keeps the list following the store while the chat page is open.
export function FollowShownMessages({ state, field, defaults }) {
  useShownMessages(state, field, defaults);
  return null;
}
