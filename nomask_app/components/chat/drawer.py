"""The conversations drawer of the phone layout, and the chat's own notice.

Below 768 px (assets/layout.css) the sidebar is hidden and the header shows
a "Conversations" button. It opens a Radix dialog (focus trapped inside,
Escape and a tap outside close it, focus goes back to the button) holding
the same sidebar. Choosing a conversation or "New chat" closes it too: a
head script turns that click into the Escape the dialog already handles.
"""

import reflex as rx

from nomask_app.components.chat.sidebar import sidebar
from nomask_app.components.common.callouts import answered_callout
from nomask_app.states.chat.conversation import ChatState

# Bubble phase: the link or button has done its work when the drawer closes.
_CLOSE_ON_CHOICE = r"""
document.addEventListener("click", function (event) {
  var target = event.target instanceof Element ? event.target : null;
  if (!target || !target.closest(".nm-drawer")) {
    return;
  }
  var button = target.closest("button");
  var chosen = target.closest("a[href]") ||
    (button && button.textContent.trim() === "New chat");
  if (chosen) {
    document.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape", bubbles: true}));
  }
});
"""


def drawer_script() -> rx.Component:
    """A head script: choosing a conversation in the drawer closes it."""
    return rx.el.script(_CLOSE_ON_CHOICE)


def conversations_drawer() -> rx.Component:
    """The "Conversations" button and its dialog (shown only in the phone layout)."""
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.icon_button(
                rx.icon("panel-left", aria_hidden="true"),
                variant="soft",
                aria_label="Conversations",
                class_name="nm-drawer-button",
            )
        ),
        rx.dialog.content(
            rx.flex(
                rx.dialog.title("Conversations", size="4", margin="0"),
                rx.dialog.close(
                    rx.icon_button(
                        rx.icon("x", aria_hidden="true"),
                        variant="ghost",
                        aria_label="Close conversations",
                    )
                ),
                align="center",
                justify="between",
                padding="0.75rem 0.75rem 0",
            ),
            rx.dialog.description(
                "Choose a conversation or start a new one.", class_name="nm-sr-only"
            ),
            sidebar(),
            class_name="nm-drawer",
            aria_label="Conversations",
        ),
    )


def chat_notice() -> rx.Component:
    """Why the last message was not sent (quota, a reply still running), with "Dismiss".

    The alert is the text alone, so it reads (and is announced) without the button.
    """
    return rx.cond(
        ChatState.notice != "",
        answered_callout(
            rx.callout.text(
                ChatState.notice,
                rx.cond(
                    ChatState.notice_link != "",
                    rx.fragment(" ", rx.link("See plans and upgrade", href=ChatState.notice_link)),
                ),
                role="alert",
            ),
            "Dismiss",
            ChatState.dismiss_notice,
            color_scheme="red",
            size="1",
        ),
    )
