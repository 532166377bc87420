"""The composer's "Attach file" button, with the plan's upload limit beside it."""

import reflex as rx

from nomask_app.components.common.forms import rejected_names
from nomask_app.states.chat.attachments import MAX_FILES, UPLOAD_ID, AttachmentState

LIMIT_ID = "attach-limit"


def attach_button() -> rx.Component:
    """The "Attach file" button: a file over the limit is refused in the browser, unsent."""
    return rx.hstack(
        rx.upload(
            rx.button(
                rx.icon("paperclip", size=16, aria_hidden="true"),
                "Attach file",
                type="button",
                variant="soft",
                custom_attrs={"aria-describedby": LIMIT_ID},
            ),
            id=UPLOAD_ID,
            on_drop=AttachmentState.attach(
                rx.upload_files(upload_id=UPLOAD_ID, on_upload_progress=AttachmentState.progress)
            ),
            # Checked in the browser first: a file over the limit is never sent.
            max_size=rx.cond(
                AttachmentState.upload_limit_bytes > 0, AttachmentState.upload_limit_bytes, 2**53
            ),
            on_drop_rejected=lambda rejected: AttachmentState.refused(rejected_names(rejected)),
            multiple=True,
            max_files=MAX_FILES,
            no_keyboard=True,
            border="none",
            padding="0",
        ),
        rx.text(AttachmentState.upload_limit_label, id=LIMIT_ID, size="1", color_scheme="gray"),
        rx.cond(
            (AttachmentState.upload_progress > 0) & (AttachmentState.upload_progress < 100),
            rx.progress(
                value=AttachmentState.upload_progress,
                max=100,
                width="6rem",
                aria_label="Upload progress",
            ),
        ),
        on_mount=AttachmentState.load_limit,
        align="center",
        spacing="2",
    )
