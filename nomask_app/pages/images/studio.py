"""`/images`: the image studio (generate, upload, edit), behind sign-in."""

import reflex as rx

from nomask_app.components.common.layout import signed_in_page
from nomask_app.components.images.editor import editor
from nomask_app.components.images.studio import EDITOR_ID, gallery, generate_panel, upload_panel
from nomask_app.states.images.editor import EditorState
from nomask_app.states.images.studio import StudioState


def _demo_note() -> rx.Component:
    return rx.cond(
        StudioState.is_demo,
        rx.callout(
            "Offline demo: no image provider is configured, so the “Offline demo” model draws "
            "pictures locally and labels them as demos. Configure a provider (for example "
            "OPENAI_API_KEY) for real AI images.",
            icon="info",
            color_scheme="amber",
            margin_y="0.75rem",
        ),
    )


def images_page() -> rx.Component:
    return signed_in_page(
        "Image studio",
        _demo_note(),
        rx.grid(
            generate_panel(),
            upload_panel(),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            margin_y="1rem",
        ),
        rx.box(
            rx.cond(EditorState.file_id != "", editor()),
            id=EDITOR_ID,
            class_name="nm-editor-slot",
        ),
        gallery(),
    )
