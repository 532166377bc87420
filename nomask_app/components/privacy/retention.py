"""The privacy center's "Delete conversations automatically" select and what it deletes next."""

import reflex as rx

from nomask_app.components.common.forms import field_error, native_select
from nomask_app.services.privacy.retention import CHOICES
from nomask_app.states.privacy.retention import RetentionState

FIELD_ID = "auto-delete"


def auto_delete_section() -> rx.Component:
    """The choice (Never by default), saved as soon as it changes, and its effect."""
    return rx.flex(
        rx.text(
            "Conversations are kept until you delete them. You can instead have every "
            "conversation deleted, with its messages and files, once nobody has written in "
            "it for a while. A new or shorter choice waits a day before it deletes anything."
        ),
        native_select(
            "Delete conversations automatically",
            FIELD_ID,
            name="auto_delete",
            options=[rx.el.option(label, value=str(days)) for days, label in CHOICES.items()],
            value=RetentionState.auto_delete,
            on_change=RetentionState.choose_auto_delete,
            disabled=~rx.State.is_hydrated,
            width="fit-content",
            custom_attrs={"aria-describedby": f"{FIELD_ID}-status {FIELD_ID}-error"},
        ),
        rx.text(RetentionState.auto_delete_status, id=f"{FIELD_ID}-status", role="status"),
        field_error(FIELD_ID, RetentionState.auto_delete_error),
        direction="column",
        spacing="2",
    )
