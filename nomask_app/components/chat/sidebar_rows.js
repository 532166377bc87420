// The sidebar's conversations under their date headings. The server sends
// changes to a list of rows (states/chat/sidebar.py, a ListPatch from
// states/common/changes.py): {h: label} starts a group, {id, title} is an
// entry. This keeps the rows (kept_var.js) and makes the groups from them.
import { keptVar } from "../kept_var/kept_var.js";

function grouped(rows) {
  const groups = [];
  for (const row of rows) {
    if ("h" in row) groups.push({ label: row.h, conversations: [] });
    else groups.at(-1)?.conversations.push({ snippet: "", updated_iso: "", ...row });
  }
  return groups;
}

// The rows after one ListPatch: parts are runs [start, stop] of the rows
// before it, or new rows; it applies on top of change `after` (-1: all rows).
function take(kept, patch) {
  if (patch.after !== -1 && patch.after !== kept.seq) return kept; // wait for all rows
  const rows = patch.parts.flatMap((part) =>
    Array.isArray(part) ? kept.rows.slice(part[0], part[1]) : [part],
  );
  return { seq: patch.seq, rows, groups: grouped(rows) };
}

const useKept = keptVar({ seq: -1, rows: [], groups: [] }, take);

// The groups of the sidebar; `state` and `field` name the ListPatch var in the store.
export function useSidebarGroups(state, field) {
  return useKept(state, field).groups;
}

// Renders nothing: keeps the rows following the store while the chat page is open.
export function FollowSidebarRows({ state, field }) {
  useSidebarGroups(state, field);
  return null;
}
