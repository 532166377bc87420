"""The image studio's generate panel, upload button and gallery."""

import json

import reflex as rx
from reflex.vars import Var

from nomask_app.components.common.forms import (
    field_error,
    limited_upload,
    native_select,
    upload_progress,
)
from nomask_app.states.images.editor import EditorState
from nomask_app.states.images.gallery import GalleryState
from nomask_app.states.images.studio import PROMPT_ID, UPLOAD_ID, StudioState
from nomask_app.states.images.views import ImageView

EDITOR_ID = "image-editor"
# Compiled into the bundle (no eval): bring the editor into view after opening an image.
_SHOW_EDITOR = Var(
    f"() => document.getElementById({json.dumps(EDITOR_ID)})"
    "?.scrollIntoView({behavior: 'smooth', block: 'start'})"
)


def problem(message, link=None) -> rx.Component:
    """An error about an action, with the upgrade link when a quota was reached."""
    upgrade = (
        rx.cond(link != "", rx.fragment(" ", rx.link("See plans and upgrade", href=link)))
        if link is not None
        else rx.fragment()
    )
    return rx.cond(
        message != "",
        rx.callout.root(
            rx.callout.text(message, upgrade),
            color_scheme="red",
            role="alert",
            size="1",
        ),
    )


def generate_panel() -> rx.Component:
    """The prompt, model, size, count and "Generate image", with progress while it runs."""
    return rx.el.section(
        rx.heading("Generate", as_="h2", size="4", id="studio-generate"),
        rx.form(
            rx.flex(
                rx.el.label("Prompt", html_for="prompt", class_name="nm-label"),
                rx.el.textarea(
                    id=PROMPT_ID,
                    name="prompt",
                    rows=3,
                    placeholder="A lighthouse at dawn, watercolour",
                    class_name="nm-textarea",
                    custom_attrs={
                        "aria-describedby": "prompt-error",
                        "aria-invalid": rx.cond(StudioState.prompt_error != "", "true", "false"),
                    },
                ),
                field_error("prompt", StudioState.prompt_error),
                rx.flex(
                    native_select(
                        "Image model",
                        "image-model",
                        name="model",
                        value=StudioState.model_id,
                        on_change=StudioState.set_model,
                        options=rx.foreach(
                            StudioState.models, lambda m: rx.el.option(m.label, value=m.id)
                        ),
                    ),
                    native_select(
                        "Size",
                        "image-size",
                        name="size",
                        value=StudioState.size,
                        on_change=StudioState.set_size,
                        options=rx.foreach(
                            StudioState.sizes, lambda size: rx.el.option(size, value=size)
                        ),
                    ),
                    native_select(
                        "Number of images",
                        "image-count",
                        name="count",
                        value=StudioState.count.to_string(),
                        on_change=StudioState.set_count,
                        options=rx.foreach(StudioState.counts, lambda n: rx.el.option(n, value=n)),
                    ),
                    spacing="3",
                    wrap="wrap",
                ),
                rx.text(StudioState.images_left, size="2", color_scheme="gray", id="images-left"),
                problem(StudioState.generate_error, StudioState.generate_link),
                rx.hstack(
                    rx.button(
                        rx.icon("sparkles", size=16, aria_hidden="true"),
                        "Generate image",
                        type="submit",
                        loading=StudioState.generating,
                    ),
                    rx.cond(
                        StudioState.generating,
                        rx.text(
                            "Generating… this can take a minute with some providers.",
                            size="2",
                            role="status",
                        ),
                    ),
                    align="center",
                    spacing="3",
                ),
                direction="column",
                spacing="2",
            ),
            on_submit=StudioState.generate,
            reset_on_submit=False,
            no_validate=True,
        ),
        aria_labelledby="studio-generate",
        class_name="nm-panel",
    )


def upload_panel() -> rx.Component:
    """The "Upload image" button: PNG, JPEG, WebP or GIF, checked and cleaned on the server."""
    return rx.el.section(
        rx.heading("Upload", as_="h2", size="4", id="studio-upload-heading"),
        rx.text(
            "PNG, JPEG, WebP or GIF. Location and other metadata are removed.",
            size="2",
            color_scheme="gray",
        ),
        rx.flex(
            limited_upload(
                "Upload image",
                "upload",
                upload_id=UPLOAD_ID,
                limit_id="upload-limit",
                state=StudioState,
                on_drop=StudioState.upload,
            ),
            rx.text(StudioState.upload_limit_label, id="upload-limit", size="2"),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        upload_progress(StudioState, margin_top="0.5rem"),
        problem(StudioState.upload_notice),
        aria_labelledby="studio-upload-heading",
        class_name="nm-panel",
    )


def _tile(item: ImageView) -> rx.Component:
    selected = item.id == EditorState.file_id
    return rx.el.li(
        rx.el.button(
            rx.image(src=item.thumb_url, alt="", class_name="nm-tile-image", loading="lazy"),
            rx.text(item.name, size="1", class_name="nm-ellipsis", weight="medium"),
            rx.text(item.kind_label, " · ", item.size_label, size="1", color_scheme="gray"),
            type="button",
            class_name="nm-tile",
            aria_label="Open " + item.name,
            aria_pressed=rx.cond(selected, "true", "false"),
            on_click=[EditorState.open(item.id), rx.call_function(_SHOW_EDITOR)],
        ),
    )


def gallery() -> rx.Component:
    """The person's images, newest first."""
    return rx.el.section(
        rx.heading("Your images", as_="h2", size="4", id="studio-gallery"),
        rx.cond(
            GalleryState.images.length() > 0,
            rx.el.ul(rx.foreach(GalleryState.images, _tile), class_name="nm-gallery"),
            rx.text("No images yet: generate one or upload a picture.", color_scheme="gray"),
        ),
        rx.cond(
            GalleryState.has_more,
            rx.button("Show more images", variant="soft", on_click=GalleryState.show_more),
        ),
        aria_labelledby="studio-gallery",
        class_name="nm-panel",
    )
