"""The image editor's "Edit with AI" panel: a painted mask, a described change, a model."""

import reflex as rx

from nomask_app.components.common.forms import field_error, native_select
from nomask_app.components.images.studio import problem
from nomask_app.states.images.ai_edit import AIEditState
from nomask_app.states.images.editor import EditorState
from nomask_app.states.images.studio import StudioState


def ai_edit_panel() -> rx.Component:
    """Paint a mask over the open image, describe the change, and pick an editing model."""
    editing_models = rx.foreach(
        StudioState.models,
        lambda m: rx.cond(m.supports_edit, rx.el.option(m.label, value=m.id), rx.fragment()),
    )
    return rx.el.section(
        rx.heading("Edit with AI", as_="h3", size="3", id="ai-edit-heading"),
        rx.text(
            "Paint over the part to change (or paint nothing to change the whole picture), "
            "then describe the change.",
            size="2",
            color_scheme="gray",
        ),
        rx.hstack(
            rx.button(
                rx.cond(EditorState.mode == "mask", "Stop painting", "Paint mask"),
                type="button",
                variant="soft",
                size="2",
                on_click=EditorState.set_mode(rx.cond(EditorState.mode == "mask", "view", "mask")),
            ),
            rx.button(
                "Clear mask",
                type="button",
                variant="soft",
                size="2",
                disabled=~EditorState.has_mask,
                on_click=EditorState.clear_mask,
            ),
            rx.el.label("Brush size", html_for="brush-size", class_name="nm-label"),
            rx.el.input(
                id="brush-size",
                type="range",
                min=4,
                max=200,
                default_value=EditorState.brush,
                on_change=EditorState.set_brush.debounce(150),
                class_name="nm-slider nm-slider-small",
            ),
            rx.cond(
                EditorState.has_mask,
                rx.badge("Mask painted", color_scheme="pink", high_contrast=True),
            ),
            align="center",
            wrap="wrap",
            spacing="2",
        ),
        rx.form(
            rx.flex(
                rx.el.label("Describe the change", html_for="edit-prompt", class_name="nm-label"),
                rx.el.textarea(
                    id="edit-prompt",
                    name="edit_prompt",
                    rows=2,
                    class_name="nm-textarea",
                    custom_attrs={"aria-describedby": "edit-prompt-error"},
                ),
                field_error("edit-prompt", AIEditState.prompt_error),
                native_select(
                    "Editing model",
                    "edit-model",
                    name="edit_model",
                    value=AIEditState.model_id,
                    on_change=AIEditState.set_model,
                    options=editing_models,
                ),
                problem(AIEditState.error, AIEditState.error_link),
                rx.hstack(
                    rx.button(
                        rx.icon("wand-sparkles", size=16, aria_hidden="true"),
                        "Edit with AI",
                        type="submit",
                        loading=AIEditState.running,
                    ),
                    rx.cond(
                        AIEditState.running,
                        rx.text("Editing…", size="2", role="status"),
                    ),
                    align="center",
                    spacing="3",
                ),
                direction="column",
                spacing="2",
            ),
            on_submit=AIEditState.run,
            reset_on_submit=False,
            no_validate=True,
        ),
        aria_labelledby="ai-edit-heading",
        class_name="nm-stack",
    )
