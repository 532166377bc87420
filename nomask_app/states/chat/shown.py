"""What the page shows of the open conversation, sent as changes (mixed into `ChatState`).

Reflex sends a changed var whole, so a list var of the shown messages would be
resent at every send and grow with everything the tab has shown (issue 18,
target 4). The page keeps the list itself (components/chat/message_log.js)
and this state sends only what changed: `log` holds one numbered change, and
the server keeps just the ids it has shown, in order.
"""

import dataclasses

import reflex as rx

from nomask_app.states.chat.views import MessageLog, MessageView, changed, compact
from nomask_app.states.common.changes import assign


def _put(shown: list[dict], changes: list[dict]) -> list[dict]:
    """`shown` with each change merged into the item with its id, or at the end."""
    at = {item["id"]: index for index, item in enumerate(shown)}
    merged = list(shown)
    for item in changes:
        if item["id"] in at:
            merged[at[item["id"]]] = {**merged[at[item["id"]]], **item}
        else:
            at[item["id"]] = len(merged)
            merged.append(item)
    return merged


class ShownMessagesMixin(rx.State, mixin=True):
    """The messages on the page, as changes (for ChatState)."""

    log: MessageLog = MessageLog()
    has_messages: bool = False
    # The last message, if it is a reply ("Regenerate" / "Retry" go under it).
    last_reply_id: str = ""
    # Server-side only: (id, role) of every shown message, in order.
    _shown: list[tuple[str, str]] = []
    # Server-side only: the reply the page streams, as sent to it.
    _streamed: MessageView | None = None

    def _change(self, mode: str, views: list[MessageView], items: list[dict] | None = None) -> None:
        """Send one change to the page (joined with one this event has not sent yet).

        `items` are what the page gets for `views` (their compact form if None).
        """
        if items is None:
            items = [compact(view) for view in views]
        if "log" in self.dirty_vars:  # one event, one change: Reflex sends the last value
            seq, after, kept_mode, kept = (
                self.log.seq,
                self.log.after,
                self.log.mode,
                list(self.log.items),
            )
        else:
            seq, after, kept_mode, kept = self.log.seq + 1, self.log.seq, mode, []
        if mode == "reset":
            kept_mode, sent = "reset", items
        elif mode == kept_mode == "earlier":
            sent = [*items, *kept]
        elif mode == "add" and kept_mode in ("reset", "add"):
            sent = _put(kept, items)
        else:  # no handler does this: it would need the whole list here
            raise ValueError(f"cannot send {mode!r} after {kept_mode!r} in one event")
        self.log = MessageLog(seq=seq, after=after, mode=kept_mode, items=sent)
        for view in views:
            if view.stream_src:
                self._streamed = view
        ids = [(view.id, view.role) for view in views]
        if mode == "reset":
            self._shown = ids
        elif mode == "earlier":
            self._shown = [*ids, *self._shown]
        else:
            known = {item[0] for item in self._shown}
            self._shown = [*self._shown, *(item for item in ids if item[0] not in known)]
        last = self._shown[-1] if self._shown else ("", "")
        last_reply = last[0] if last[1] == "assistant" else ""
        assign(self, has_messages=bool(self._shown), last_reply_id=last_reply)

    def _show_only(self, views: list[MessageView]) -> None:
        """The page shows these messages and no other."""
        self._change("reset", views)

    def _show_added(self, views: list[MessageView]) -> None:
        """New messages at the end, or new versions of shown ones (by id)."""
        self._change("add", views)

    def _show_finished(self, view: MessageView) -> None:
        """A reply that has ended, in place of its streaming self.

        The page streamed its text and has it all (it asks for this once the
        stream's "done" has come, and keeps it: chat_markdown.jsx). So the
        change carries what else changed (its status, its stream address
        gone), not the text again.
        """
        streamed = self._streamed
        if streamed is None or streamed.id != view.id:
            self._change("add", [view])
            return
        self._streamed = None
        shown = dataclasses.replace(view, content=streamed.content)
        self._change("add", [shown], [changed(streamed, shown)])

    def _show_earlier(self, views: list[MessageView]) -> None:
        """Earlier messages, before the shown ones."""
        self._change("earlier", views)

    def _first_shown(self) -> str:
        """The id of the first message on the page ("" for none)."""
        return self._shown[0][0] if self._shown else ""

    def _is_shown(self, message_id: str) -> bool:
        return any(item[0] == message_id for item in self._shown)
