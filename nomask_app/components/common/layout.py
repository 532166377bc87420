"""Page chrome: the header with the account menu, the "Notices" region, the main landmark.

Signed-in pages are a column (assets/layout.css): header, notices, then the
page. The notices region has a height of its own, so a page that fills the
window (the chat) gives the room it takes from its scrolling part, never
from its composer.
"""

import reflex as rx

from nomask_app.components.accounts.chrome import account_notices, theme_picker
from nomask_app.components.accounts.handoff import sign_out_event
from nomask_app.components.common.callouts import answered_callout
from nomask_app.components.privacy.policy_banner import policy_banner
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.common.problem import ProblemState


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


def app_header(leading: rx.Component | None = None) -> rx.Component:
    """The top bar on pages behind sign-in; `leading` goes first (the chat's drawer button)."""
    return rx.el.header(
        rx.hstack(
            *([leading] if leading is not None else []),
            brand(),
            rx.el.nav(
                rx.hstack(
                    rx.link("Chat", href="/"),
                    rx.link("Images", href="/images"),
                    rx.link("Privacy", href="/privacy"),
                    spacing="4",
                ),
                aria_label="Main",
                class_name="nm-main-nav",
            ),
            rx.spacer(),
            account_menu(),
            align="center",
            spacing="5",
            class_name="nm-header-bar",
        ),
        class_name="nm-header",
    )


def problem_notice() -> rx.Component:
    """Said when an action failed on the server (see states/common/problem.py)."""
    return rx.cond(
        ProblemState.problem != "",
        answered_callout(
            rx.callout.text(ProblemState.problem),
            "OK",
            ProblemState.dismiss,
            color_scheme="red",
            role="alert",
        ),
    )


def notices(*extra: rx.Component) -> rx.Component:
    """The one "Notices" region: email confirmation, policy update, and a page's own notices."""
    return rx.el.section(
        problem_notice(),
        account_notices(),
        policy_banner(),
        *extra,
        role="region",
        aria_label="Notices",
        class_name="nm-notices",
    )


def scroll_box(table: rx.Component, label: str) -> rx.Component:
    """A wide table that scrolls inside its own box on a phone, never the page.

    The box is a named region the keyboard can reach and scroll, which the
    table's own scroll area (no focusable cells) is not.
    """
    return rx.box(table, tab_index=0, role="region", aria_label=label, class_name="nm-table-scroll")


def loading(label: str = "Loading", padding: str = "4rem") -> rx.Component:
    """A centred spinner that screen readers announce as `label` (a status)."""
    return rx.center(rx.spinner(role="status", aria_label=label), padding=padding)


def signed_in_page(title: str, *children: rx.Component) -> rx.Component:
    """A page behind sign-in; its content renders only once the user is known."""
    return rx.fragment(
        rx.el.a("Skip to content", href="#main", class_name="nm-skip"),
        rx.box(
            app_header(),
            notices(),
            rx.el.main(
                rx.cond(
                    SessionState.signed_in,
                    rx.container(rx.heading(title, as_="h1", size="7"), *children, size="3"),
                    loading(),
                ),
                id="main",
                padding_y="1.5rem",
            ),
            class_name="nm-app",
        ),
    )


def public_page(*children: rx.Component) -> rx.Component:
    """A page anyone can open (sign-in, sign-up, policy)."""
    return rx.fragment(
        rx.el.a("Skip to content", href="#main", class_name="nm-skip"),
        rx.el.header(
            rx.hstack(
                brand(), rx.spacer(), theme_picker(), align="center", class_name="nm-header-bar"
            ),
            class_name="nm-header",
        ),
        rx.el.main(
            rx.container(problem_notice(), *children, size="2"), id="main", padding_y="2rem"
        ),
    )
