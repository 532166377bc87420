"""Setting state vars without resending what did not change.

Reflex sends a var to the page whenever it is assigned, equal or not: on the
chat's hot path (every send, every reply's end) that is most of the websocket's
bytes (issue 18, target 4). A list the page keeps itself gets only its changes
(`ListPatch`).
"""

import dataclasses
import json

import reflex as rx


def assign(state: rx.State, **values: object) -> None:
    """Set each named var of `state` whose value differs from the one given."""
    for name, value in values.items():
        if getattr(state, name) != value:
            setattr(state, name, value)


@dataclasses.dataclass
class ListPatch:
    """A list the page keeps, sent as a change to the last one it got.

    The new list is `parts` joined in order: each part is a run of the page's
    list before this change, `[start, stop]`, or a new item. It applies on top
    of change `after` only; `after` -1 means `parts` are all the items (a page
    that missed a change waits for one of those).
    """

    seq: int = 0
    after: int = -1
    parts: list[list[int] | dict] = dataclasses.field(default_factory=list)


def list_patch(old: list[dict], new: list[dict]) -> list[list[int] | dict]:
    """The parts that make `new` from `old` (see `ListPatch`): runs of `old` where they can.

    A send moves one entry to the top, or renames one: that is a few runs and
    one item, whatever the length of the list. Items must be unique in `old`.
    """
    index = {json.dumps(item, sort_keys=True): at for at, item in enumerate(old)}
    parts: list[list[int] | dict] = []
    for item in new:
        at = index.get(json.dumps(item, sort_keys=True))
        last = parts[-1] if parts else None
        if at is None:
            parts.append(item)
        elif isinstance(last, list) and last[1] == at:
            last[1] = at + 1
        else:
            parts.append([at, at + 1])
    return parts


def patch_rows(
    state: rx.State, name: str, kept: str, rows: list[dict], *, whole: bool = False
) -> None:
    """Send `rows` to the page as var `name` (a `ListPatch`): only what changed.

    `kept` names a server-side var holding (websocket session, the rows the
    page had before the change in `name`, the rows now). A page loaded again
    (a new websocket session) gets all the rows, and so does any page with
    `whole`: one that missed a change waits for that.
    """
    page = state.router.session.session_id
    patch: ListPatch = getattr(state, name)
    had_page, base, had_rows = getattr(state, kept)
    if name in state.dirty_vars:  # one event, one change: Reflex sends the last value
        seq, after = patch.seq, patch.after
    elif page == had_page and rows == had_rows and not whole:
        return
    else:
        seq, after, base = patch.seq + 1, patch.seq, had_rows
    if page != had_page or after == -1 or whole:
        after, parts = -1, list(rows)
    else:
        parts = list_patch(base, rows)
    setattr(state, name, ListPatch(seq, after, parts))
    setattr(state, kept, (page, base, rows))
