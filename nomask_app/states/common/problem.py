"""The notice shown when an event handler fails on the server.

Reflex's own answer to such a failure is a toast sent as a string of
JavaScript, which the page's CSP (no `eval`) refuses: the person would see
nothing. The app's error handler sends `ProblemState.show` instead.
"""

import reflex as rx

PROBLEM = "Something went wrong on our side, and nothing was changed. Please try again."


class ProblemState(rx.State):
    """Whether the last action failed on the server (nothing personal is kept)."""

    problem: str = ""

    @rx.event
    def show(self):
        """Say that the last action failed."""
        self.problem = PROBLEM

    @rx.event
    def dismiss(self):
        """Hide the notice."""
        self.problem = ""
