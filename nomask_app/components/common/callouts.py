"""A notice with one button that answers it ("OK", "Got it", "Dismiss")."""

import reflex as rx


def answered_callout(
    text: rx.Component, button: str, on_click, *, color_scheme: str, **props
) -> rx.Component:
    """A callout whose text sits beside one small button; they wrap on a narrow screen.

    Args:
        text: The `rx.callout.text` to show.
        button: The button's label (its accessible name).
        on_click: What the button does.
        color_scheme: The callout's colour.
        **props: More `rx.callout.root` props (role, size, high_contrast...).
    """
    return rx.callout.root(
        rx.flex(
            text,
            rx.button(
                button,
                size="1",
                variant="soft",
                high_contrast=True,
                type="button",
                on_click=on_click,
            ),
            align="center",
            justify="between",
            gap="3",
            wrap="wrap",
        ),
        color_scheme=color_scheme,
        **props,
    )
