"""The chat: `/` for a new conversation and `/chat/<id>` for an existing one."""

import reflex as rx

from nomask_app.components.chat.address import show_address
from nomask_app.components.chat.composer import composer
from nomask_app.components.chat.conversation import conversation_header, message_item
from nomask_app.components.chat.drawer import chat_notice, conversations_drawer
from nomask_app.components.chat.message_log import follow_shown_messages, shown_messages
from nomask_app.components.chat.sidebar import follow_sidebar_rows, sidebar
from nomask_app.components.common.layout import app_header, loading, notices
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.chat.conversation import ChatState
from nomask_app.states.chat.model_choice import ModelChoiceState


def _empty() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.heading("What can I help with?", as_="h2", size="6"),
            rx.cond(
                ModelChoiceState.is_demo,
                rx.callout(
                    "Offline demo: no AI provider is configured, so replies are written "
                    "locally by NoMask. Configure a provider key to chat with a real model.",
                    icon="info",
                    color_scheme="amber",
                ),
            ),
            align="center",
            spacing="3",
        ),
        padding_y="4rem",
    )


def _not_found() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.heading("Conversation not found", as_="h1", size="6"),
            rx.text("It does not exist, or it is not yours."),
            rx.link("Start a new chat", href="/"),
            align="center",
        ),
        padding_y="4rem",
    )


# Older messages go into a box of their own, STEP at a time, leaving at least
# RECENT outside it (assets/nomask.css).
RECENT = 30
STEP = 50


def _messages() -> rx.Component:
    """The shown messages: the older ones in a box of their own, then the latest.

    When the reply at the end grows, the browser reuses the box's layout whole
    instead of placing every older message again (with 500 messages shown,
    about a third of each layout pass). The box takes messages STEP at a time,
    so they rarely move (a moved message is drawn again).
    """
    shown = shown_messages().guess_type()
    cut = ((shown.length() - RECENT) // STEP) * STEP
    return rx.fragment(
        rx.cond(
            cut > 0,
            rx.box(rx.foreach(shown[:cut], message_item), class_name="nm-earlier"),
        ),
        rx.foreach(rx.cond(cut > 0, shown[cut:], shown), message_item),
    )


def _conversation() -> rx.Component:
    return rx.flex(
        conversation_header(),
        rx.box(
            rx.cond(
                ChatState.has_earlier,
                rx.center(
                    rx.button(
                        "Load earlier messages", variant="ghost", on_click=ChatState.load_earlier
                    )
                ),
            ),
            rx.cond(
                ChatState.has_messages,
                _messages(),
                _empty(),
            ),
            rx.cond(
                ChatState.streaming_id != "",
                rx.text(
                    "The assistant is writing a reply.", class_name="nm-sr-only", role="status"
                ),
            ),
            # A scrolling area the keyboard can reach and scroll (banners may make it small).
            custom_attrs={"data-scroll-root": "true"},
            tab_index=0,
            role="region",
            aria_label="Messages",
            class_name="nm-messages",
        ),
        composer(),
        direction="column",
        class_name="nm-chat-main",
    )


def chat_page() -> rx.Component:
    """The chat fills the window: header, notices, then sidebar and conversation."""
    return rx.fragment(
        follow_shown_messages(),
        follow_sidebar_rows(),
        show_address(),
        rx.el.a("Skip to the message box", href="#composer", class_name="nm-skip"),
        rx.box(
            app_header(leading=conversations_drawer()),
            notices(chat_notice()),
            rx.cond(
                SessionState.signed_in,
                rx.box(
                    rx.box(sidebar(), class_name="nm-sidebar-slot"),
                    rx.el.main(
                        rx.cond(ChatState.not_found, _not_found(), _conversation()),
                        id="main",
                        class_name="nm-chat-column",
                    ),
                    class_name="nm-chat",
                ),
                loading(),
            ),
            class_name="nm-app nm-app-fill",
        ),
    )
