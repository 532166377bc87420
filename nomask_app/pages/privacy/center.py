"""The privacy center (policy §4, §5): what we hold, export it, delete it, your rights."""

import reflex as rx

from nomask_app.components.common.layout import loading, signed_in_page
from nomask_app.components.privacy.deletion import delete_section
from nomask_app.components.privacy.events import events_section
from nomask_app.components.privacy.export import export_section
from nomask_app.components.privacy.providers import providers_section
from nomask_app.components.privacy.retention import auto_delete_section
from nomask_app.services.operations.emails import CONTACT
from nomask_app.states.privacy.center import PrivacyState


def _section(title: str, section_id: str, *children: rx.Component) -> rx.Component:
    return rx.el.section(
        rx.heading(title, as_="h2", size="5", id=section_id, margin_bottom="0.75rem"),
        *children,
        aria_labelledby=section_id,
        margin_top="2rem",
    )


def _link(text: str, href: str) -> rx.Component:
    # Underlined: inside a sentence, colour alone would not tell a link apart.
    return rx.link(text, href=href, underline="always")


def _fact(label: str, value) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(value))


def _what_we_hold() -> rx.Component:
    return _section(
        "What we hold about you",
        "privacy-held",
        rx.data_list.root(
            _fact("Conversations", PrivacyState.conversations),
            _fact("Messages", PrivacyState.messages),
            _fact("Files and images", PrivacyState.files),
            _fact("Signed-in sessions", PrivacyState.sessions),
            _fact("Security events", PrivacyState.security_events),
            _fact("Plan", PrivacyState.plan_name),
            _fact("Payment status", PrivacyState.payment_status),
        ),
        rx.text(
            "Plus your name, email address, a bcrypt hash of your password, your preferences "
            "and your consents. Card details never reach us. Correct your name, email address "
            "or password in ",
            _link("your settings", "/settings"),
            "; see plan and usage on ",
            _link("the billing page", "/billing"),
            ".",
            margin_top="0.75rem",
        ),
    )


def _retention() -> rx.Component:
    return _section(
        "How long we keep it",
        "privacy-retention",
        rx.box(
            rx.markdown(PrivacyState.retention, use_raw=False, use_math=False, use_katex=False),
            class_name="nm-prose",
        ),
        rx.text(
            "Data exports are deleted 24 hours after they are ready. Security events are "
            "kept while your account exists and deleted with it.",
        ),
        rx.box(auto_delete_section(), margin_top="1rem"),
    )


def _rights() -> rx.Component:
    return _section(
        "Your rights",
        "privacy-rights",
        rx.unordered_list(
            rx.list_item("Access: export a copy of all your data above."),
            rx.list_item(
                "Correction: update your details in ",
                _link("settings", "/settings"),
                ".",
            ),
            rx.list_item("Deletion: delete conversations or your whole account above."),
            rx.list_item(
                "Opt-out: switch off product updates in ",
                _link("settings", "/settings"),
                " or with the link in any such email.",
            ),
        ),
        rx.text(
            "Questions or requests: write to ",
            _link(CONTACT, f"mailto:{CONTACT}"),
            ". Read the full ",
            _link("privacy policy", "/policy"),
            ".",
        ),
    )


def privacy_page() -> rx.Component:
    return signed_in_page(
        "Privacy center",
        rx.cond(
            PrivacyState.loaded,
            rx.box(
                _what_we_hold(),
                _section("Get a copy of your data", "privacy-export", export_section()),
                _section("Delete your data", "privacy-delete", delete_section()),
                _section("What AI providers received", "privacy-providers", providers_section()),
                _section("Security activity", "privacy-events", events_section()),
                _retention(),
                _rights(),
            ),
            loading("Loading your privacy center", "2rem"),
        ),
    )
