"""The image editor: preview, geometry, sliders, filters, AI edit (ai_edit.py), share, delete."""

import reflex as rx

from nomask_app.components.common.forms import field_error, native_select
from nomask_app.components.images.ai_edit import ai_edit_panel
from nomask_app.components.images.studio import problem
from nomask_app.components.images.workbench import adjust_slider, image_workbench
from nomask_app.states.images.editor import EditorState
from nomask_app.states.images.studio import NEW_CONVERSATION, StudioState

_FILTERS = [
    ("none", "None"),
    ("grayscale", "Grayscale"),
    ("sepia", "Sepia"),
    ("blur", "Blur"),
    ("sharpen", "Sharpen"),
]


def _tool(label: str, icon: str, on_click, **props) -> rx.Component:
    return rx.button(
        rx.icon(icon, size=16, aria_hidden="true"),
        label,
        type="button",
        variant="soft",
        size="2",
        on_click=on_click,
        **props,
    )


def _toolbar() -> rx.Component:
    return rx.flex(
        _tool("Rotate left", "rotate-ccw", EditorState.rotate_left),
        _tool("Rotate right", "rotate-cw", EditorState.rotate_right),
        _tool("Flip horizontally", "flip-horizontal", EditorState.flip("horizontal")),
        _tool("Flip vertically", "flip-vertical", EditorState.flip("vertical")),
        _tool("Undo", "undo-2", EditorState.undo, disabled=~EditorState.can_undo),
        _tool("Redo", "redo-2", EditorState.redo, disabled=~EditorState.can_redo),
        _tool("Reset", "eraser", EditorState.start_over),
        wrap="wrap",
        spacing="2",
    )


def _slider(label: str, name: str, value) -> rx.Component:
    field_id = f"adjust-{name}"
    return rx.el.div(
        rx.el.label(label, html_for=field_id, class_name="nm-label"),
        adjust_slider(
            id=field_id,
            value=value,
            min=0,
            max=200,
            step=1,
            every=90,
            on_preview=lambda percent: EditorState.preview_adjustment(name, percent),
            on_commit=lambda percent: EditorState.commit_adjustment(name, percent),
        ),
        rx.text(value, "%", size="1", color_scheme="gray", aria_hidden="true"),
        class_name="nm-slider-row",
    )


def _adjustments() -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend("Adjust", class_name="nm-label"),
        _slider("Brightness", "brightness", EditorState.brightness),
        _slider("Contrast", "contrast", EditorState.contrast),
        _slider("Saturation", "saturation", EditorState.saturation),
        _slider("Sharpness", "sharpness", EditorState.sharpness),
        native_select(
            "Filter",
            "image-filter",
            name="filter",
            value=EditorState.filter,
            on_change=EditorState.set_filter,
            options=[rx.el.option(label, value=value) for value, label in _FILTERS],
        ),
        class_name="nm-fieldset nm-stack",
    )


def _number(label: str, field_id: str, name: str, value) -> rx.Component:
    return rx.flex(
        rx.el.label(label, html_for=field_id, class_name="nm-label"),
        rx.el.input(
            id=field_id,
            name=name,
            type="number",
            inputmode="numeric",
            default_value=value,
            min=0,
            class_name="nm-number",
        ),
        direction="column",
        spacing="1",
    )


def _crop_and_resize() -> rx.Component:
    crop = rx.form(
        rx.el.fieldset(
            rx.el.legend("Crop (pixels)", class_name="nm-label"),
            rx.text(
                "Drag a box on the picture after choosing “Draw crop box”, or type the numbers.",
                size="1",
                color_scheme="gray",
                id="crop-hint",
            ),
            rx.flex(
                _number("Crop left", "crop-left", "crop_left", EditorState.crop_left),
                _number("Crop top", "crop-top", "crop_top", EditorState.crop_top),
                _number("Crop width", "crop-width", "crop_width", EditorState.crop_width),
                _number("Crop height", "crop-height", "crop_height", EditorState.crop_height),
                wrap="wrap",
                spacing="2",
            ),
            field_error("crop", EditorState.crop_error),
            rx.hstack(
                rx.button("Crop", type="submit", size="2"),
                rx.button(
                    rx.cond(EditorState.mode == "crop", "Stop drawing", "Draw crop box"),
                    type="button",
                    variant="soft",
                    size="2",
                    on_click=EditorState.set_mode(
                        rx.cond(EditorState.mode == "crop", "view", "crop")
                    ),
                ),
            ),
            class_name="nm-fieldset nm-stack",
        ),
        key=EditorState.fields_revision.to_string() + "-crop",
        on_submit=EditorState.crop,
        reset_on_submit=False,
        no_validate=True,
    )
    resize = rx.form(
        rx.el.fieldset(
            rx.el.legend("Resize (pixels)", class_name="nm-label"),
            rx.flex(
                _number("New width", "resize-width", "resize_width", EditorState.width),
                _number("New height", "resize-height", "resize_height", ""),
                wrap="wrap",
                spacing="2",
            ),
            rx.text("Leave one empty to keep the proportions.", size="1", color_scheme="gray"),
            field_error("resize", EditorState.resize_error),
            rx.button("Resize", type="submit", size="2"),
            class_name="nm-fieldset nm-stack",
        ),
        key=EditorState.fields_revision.to_string() + "-resize",
        on_submit=EditorState.resize,
        reset_on_submit=False,
        no_validate=True,
    )
    return rx.flex(crop, resize, direction="column", spacing="3")


def _share_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(rx.icon("send", size=16, aria_hidden="true"), "Send to chat", variant="soft")
        ),
        rx.dialog.content(
            rx.dialog.title("Send to chat"),
            rx.dialog.description(
                "The image joins a new message in the conversation and belongs to it from then on."
            ),
            rx.form(
                rx.flex(
                    native_select(
                        "Conversation",
                        "share-conversation",
                        name="conversation",
                        options=[
                            rx.el.option("New conversation", value=NEW_CONVERSATION),
                            rx.foreach(
                                StudioState.share_choices,
                                lambda c: rx.el.option(c.title, value=c.id),
                            ),
                        ],
                    ),
                    rx.el.label("Note (optional)", html_for="share-note", class_name="nm-label"),
                    rx.el.textarea(id="share-note", name="note", rows=2, class_name="nm-textarea"),
                    problem(StudioState.share_error),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", type="button")),
                        rx.button("Send image", type="submit"),
                        justify="end",
                    ),
                    direction="column",
                    spacing="2",
                ),
                on_submit=StudioState.share,
                reset_on_submit=False,
            ),
        ),
        open=StudioState.share_open,
        on_open_change=StudioState.set_share_open,
    )


def _delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("Delete image", variant="soft", color_scheme="red", high_contrast=True)
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete this image?"),
            rx.alert_dialog.description(
                "It is deleted for good, also from any conversation it was sent to. "
                "Edited copies stay."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft")),
                rx.alert_dialog.action(
                    rx.button(
                        "Delete for good",
                        color_scheme="red",
                        high_contrast=True,
                        on_click=StudioState.delete,
                    )
                ),
                justify="end",
                spacing="2",
            ),
        ),
        open=StudioState.delete_open,
        on_open_change=StudioState.set_delete_open,
    )


def _made_from() -> rx.Component:
    """What an AI model was asked for this image, and "Generate again" from it."""
    return rx.flex(
        rx.data_list.root(
            rx.data_list.item(
                rx.data_list.label("Prompt"),
                rx.data_list.value(EditorState.prompt, overflow_wrap="anywhere"),
            ),
            rx.data_list.item(
                rx.data_list.label("Model"),
                rx.data_list.value(
                    EditorState.model,
                    rx.cond(EditorState.image_size != "", " · " + EditorState.image_size, ""),
                ),
            ),
            size="2",
        ),
        rx.button(
            rx.icon("refresh-cw", size=16, aria_hidden="true"),
            "Generate again",
            variant="soft",
            on_click=StudioState.generate_again(EditorState.file_id),
            loading=StudioState.generating,
        ),
        direction="column",
        align="start",
        spacing="2",
    )


def editor() -> rx.Component:
    """The open image, its tools, and "Save copy"."""
    return rx.el.section(
        rx.hstack(
            rx.heading(
                EditorState.name,
                as_="h2",
                size="4",
                id="editor-heading",
                class_name="nm-ellipsis",
            ),
            rx.badge(EditorState.kind_label, variant="soft"),
            rx.text(EditorState.width, "×", EditorState.height, size="2", id="editor-size"),
            rx.spacer(),
            rx.icon_button(
                rx.icon("x", size=16, aria_hidden="true"),
                variant="ghost",
                aria_label="Close editor",
                on_click=EditorState.close,
            ),
            align="center",
            spacing="2",
        ),
        rx.cond(
            EditorState.notice != "",
            rx.callout(
                EditorState.notice, role="status", size="1", color_scheme="blue", high_contrast=True
            ),
        ),
        rx.cond(EditorState.prompt != "", _made_from()),
        rx.grid(
            rx.flex(
                image_workbench(
                    src=EditorState.preview,
                    alt="Preview of " + EditorState.name,
                    mode=EditorState.mode,
                    brush=EditorState.brush,
                    mask_key=EditorState.mask_key,
                    on_crop=EditorState.crop_drawn,
                    on_mask=EditorState.set_mask,
                ),
                _toolbar(),
                rx.flex(
                    rx.button(
                        rx.icon("save", size=16, aria_hidden="true"),
                        "Save copy",
                        loading=EditorState.saving,
                        on_click=EditorState.save_copy,
                    ),
                    _share_dialog(),
                    # A download, not a new tab: the file route answers as an attachment.
                    rx.link(
                        "Download original",
                        href=EditorState.url + "?download=1",
                        # The browser's own click, not the router's: the file downloads.
                        reload_document=True,
                        custom_attrs={"download": EditorState.name},
                    ),
                    rx.spacer(),
                    _delete_dialog(),
                    align="center",
                    wrap="wrap",
                    spacing="3",
                ),
                direction="column",
                spacing="3",
            ),
            rx.flex(_adjustments(), _crop_and_resize(), direction="column", spacing="4"),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="5",
        ),
        ai_edit_panel(),
        aria_labelledby="editor-heading",
        class_name="nm-panel nm-stack",
    )
