"""The composer's "Attach file" button, with the plan's upload limit beside it."""

import reflex as rx

from nomask_app.components.common.forms import limited_upload, upload_progress
from nomask_app.states.chat.attachments import MAX_FILES, UPLOAD_ID, AttachmentState

LIMIT_ID = "attach-limit"


def attach_button() -> rx.Component:
    """The "Attach file" button: a file over the limit is refused in the browser, unsent."""
    return rx.hstack(
        limited_upload(
            "Attach file",
            "paperclip",
            upload_id=UPLOAD_ID,
            limit_id=LIMIT_ID,
            state=AttachmentState,
            on_drop=AttachmentState.attach,
            max_files=MAX_FILES,
        ),
        rx.text(AttachmentState.upload_limit_label, id=LIMIT_ID, size="1", color_scheme="gray"),
        upload_progress(AttachmentState, width="6rem"),
        on_mount=AttachmentState.load_limit,
        align="center",
        spacing="2",
    )
