"""Page chrome: the header with the account menu, and the main landmark."""

import reflex as rx

from nomask_app.components.accounts.chrome import account_notices, theme_picker
from nomask_app.components.accounts.handoff import sign_out_event
from nomask_app.components.privacy.policy_banner import policy_banner
from nomask_app.states.accounts.session import SessionState


def brand() -> rx.Component:
    """The product name, linking home."""
    return rx.link(
        rx.hstack(
            rx.image(src="/logo.svg", alt="", width="28px", height="28px"),
            rx.text("NoMask AI", weight="bold", size="4"),
            align="center",
            spacing="2",
        ),
        href="/",
        underline="none",
        color_scheme="gray",
        high_contrast=True,
    )


def account_menu() -> rx.Component:
    """The "Account" menu: settings, privacy center, billing, sign out."""
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("circle-user", aria_hidden="true"),
                "Account",
                variant="soft",
                aria_label="Account",
            )
        ),
        rx.menu.content(
            rx.box(
                rx.text(SessionState.user_name, size="2", weight="bold"),
                rx.text(SessionState.user_email, size="1", color_scheme="gray"),
                padding_x="0.75rem",
                padding_y="0.25rem",
            ),
            rx.menu.item("Settings", on_select=rx.redirect("/settings")),
            rx.menu.item("Privacy center", on_select=rx.redirect("/privacy")),
            rx.menu.item("Billing", on_select=rx.redirect("/billing")),
            rx.menu.separator(),
            rx.menu.item("Sign out", on_select=sign_out_event(), color_scheme="red"),
            align="end",
        ),
        # A modal menu hides the page with aria-hidden while focus stays inside;
        # non-modal keeps the page's semantics intact for assistive technology.
        modal=False,
    )


def app_header() -> rx.Component:
    """The top bar on pages behind sign-in."""
    return rx.el.header(
        rx.hstack(
            brand(),
            rx.el.nav(
                rx.hstack(
                    rx.link("Chat", href="/"),
                    rx.link("Images", href="/images"),
                    rx.link("Privacy", href="/privacy"),
                    spacing="4",
                ),
                aria_label="Main",
            ),
            rx.spacer(),
            account_menu(),
            align="center",
            spacing="5",
            padding_x="1.25rem",
            padding_y="0.75rem",
        ),
        policy_banner(),
        class_name="nm-header",
    )


def loading(label: str = "Loading", padding: str = "4rem") -> rx.Component:
    """A centred spinner that screen readers announce as `label` (a status)."""
    return rx.center(rx.spinner(role="status", aria_label=label), padding=padding)


def signed_in_page(title: str, *children: rx.Component) -> rx.Component:
    """A page behind sign-in; its content renders only once the user is known."""
    return rx.fragment(
        rx.el.a("Skip to content", href="#main", class_name="nm-skip"),
        app_header(),
        rx.el.main(
            rx.cond(
                SessionState.signed_in,
                rx.container(
                    account_notices(), rx.heading(title, as_="h1", size="7"), *children, size="3"
                ),
                loading(),
            ),
            id="main",
            padding_y="1.5rem",
        ),
    )


def public_page(*children: rx.Component) -> rx.Component:
    """A page anyone can open (sign-in, sign-up, policy)."""
    return rx.fragment(
        rx.el.a("Skip to content", href="#main", class_name="nm-skip"),
        rx.el.header(
            rx.hstack(
                brand(),
                rx.spacer(),
                theme_picker(),
                align="center",
                padding_x="1.25rem",
                padding_y="0.75rem",
            ),
            class_name="nm-header",
        ),
        rx.el.main(rx.container(*children, size="2"), id="main", padding_y="2rem"),
    )
