"""Setting state vars without resending what did not change.

Reflex sends a var to the page whenever it is assigned, equal or not: on the
chat's hot path (every send, every reply's end) that is most of the websocket's
bytes (issue 18, target 4).
"""

import reflex as rx


def assign(state: rx.State, **values: object) -> None:
    """Set each named var of `state` whose value differs from the one given."""
    for name, value in values.items():
        if getattr(state, name) != value:
            setattr(state, name, value)
