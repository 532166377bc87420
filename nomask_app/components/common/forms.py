"""Accessible form fields: a visible label tied to the input, errors next to it."""

import reflex as rx
from reflex.vars import Var


def field_error(field_id: str, message: rx.Var[str]) -> rx.Component:
    """The error line under a field; always present so `aria-describedby` resolves."""
    return rx.text(
        message,
        id=f"{field_id}-error",
        color_scheme="red",
        size="2",
        aria_live="polite",
    )


def native_select(
    label: str, field_id: str, *, name: str, options, value=None, on_change=None, **props
):
    """A labelled native <select> (its options are `rx.el.option`s).

    With `value` and `on_change` it follows the state; without, the form owns it.
    Further `props` (``disabled``, ``custom_attrs``, ...) go to the <select>.
    """
    controlled = {"value": value, "on_change": on_change} if on_change is not None else {}
    children = options if isinstance(options, list) else [options]
    return rx.flex(
        rx.el.label(label, html_for=field_id, class_name="nm-label"),
        rx.el.select(
            *children, id=field_id, name=name, class_name="nm-select", **controlled, **props
        ),
        direction="column",
        spacing="1",
    )


def text_field(
    label: str,
    field_id: str,
    *,
    name: str,
    error: rx.Var[str] | str = "",
    input_type: str = "text",
    autocomplete: str = "off",
    default_value: rx.Var[str] | str = "",
    hint: str = "",
    max_length: int | None = None,
) -> rx.Component:
    """A labelled text input with its error message (and an optional hint)."""
    invalid = rx.cond(error != "", "true", "false") if isinstance(error, rx.Var) else "false"
    described_by = f"{field_id}-error" + (f" {field_id}-hint" if hint else "")
    return rx.flex(
        rx.el.label(label, html_for=field_id, class_name="nm-label"),
        rx.input(
            id=field_id,
            name=name,
            type=input_type,
            auto_complete=autocomplete,
            default_value=default_value,
            max_length=max_length,
            size="3",
            custom_attrs={"aria-invalid": invalid, "aria-describedby": described_by},
        ),
        rx.cond(hint != "", rx.text(hint, id=f"{field_id}-hint", size="1", color_scheme="gray")),
        field_error(field_id, error),
        direction="column",
        spacing="1",
        width="100%",
    )


def checkbox_field(
    label: rx.Component | str,
    field_id: str,
    *,
    name: str,
    error: rx.Var[str],
) -> rx.Component:
    """A checkbox whose label is its accessible name, with its error message.

    Uncontrolled: the form keeps its state, and the form data carries it.
    """
    return rx.flex(
        rx.checkbox(
            label,
            id=field_id,
            name=name,
            custom_attrs={"aria-describedby": f"{field_id}-error"},
        ),
        field_error(field_id, error),
        direction="column",
        spacing="1",
    )


def form_alert(message: rx.Var[str], *, tone: str = "red") -> rx.Component:
    """A message about the whole form, announced to screen readers."""
    return rx.cond(
        message != "",
        # High contrast: the soft green of a success message misses WCAG AA otherwise.
        rx.callout(message, color_scheme=tone, role="alert", width="100%", high_contrast=True),
    )


def submit_button(label: str, *, busy: rx.Var[bool]) -> rx.Component:
    """A form's submit button, inert until the page is hydrated.

    The prerendered page has plain HTML forms: a click before React takes over
    would submit them natively, as a GET with the password in the URL.
    """
    return rx.button(label, type="submit", size="3", loading=busy, disabled=~rx.State.is_hydrated)


def rejected_names(rejected: Var) -> Var:
    """The names of the files react-dropzone kept back (the File objects stay in the page)."""
    return rejected.to(list).map(lambda item: item.to(dict)["file"].to(dict)["path"])


def limited_upload(
    label: str, icon: str, *, upload_id: str, limit_id: str, state, on_drop, **props
):
    """An upload button checked against the person's limit in the browser first.

    A file over `state.upload_limit_bytes` is never sent: `state.refused` names
    it; `state.progress` follows a large upload. `state` uses UploadLimitMixin.

    Args:
        label: The button's text (its accessible name).
        icon: The button's icon.
        upload_id: The upload's id (for `rx.upload_files`).
        limit_id: The id of the text that states the limit (the button's description).
        state: The state class that holds the limit.
        on_drop: The event handler that receives the files.
        **props: More `rx.upload` props (e.g. max_files).
    """
    return rx.upload(
        rx.button(
            rx.icon(icon, size=16, aria_hidden="true"),
            label,
            type="button",
            variant="soft",
            custom_attrs={"aria-describedby": limit_id},
        ),
        id=upload_id,
        on_drop=on_drop(rx.upload_files(upload_id=upload_id, on_upload_progress=state.progress)),
        max_size=rx.cond(state.upload_limit_bytes > 0, state.upload_limit_bytes, 2**53),
        on_drop_rejected=lambda rejected: state.refused(rejected_names(rejected)),
        multiple=True,
        no_keyboard=True,
        border="none",
        padding="0",
        **props,
    )


def upload_progress(state, **props) -> rx.Component:
    """The bar of a large upload under way (`state` uses UploadLimitMixin)."""
    return rx.cond(
        (state.upload_progress > 0) & (state.upload_progress < 100),
        rx.progress(value=state.upload_progress, max=100, aria_label="Upload progress", **props),
    )
