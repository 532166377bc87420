"""The conversation: messages, the composer, and the header actions."""

import reflex as rx

from nomask_app.components.chat.local_time import local_time
from nomask_app.components.chat.markdown import chat_markdown
from nomask_app.components.chat.message_copy import copy_button
from nomask_app.states.chat.conversation import ChatState
from nomask_app.states.chat.conversation_actions import ConversationState
from nomask_app.states.chat.sidebar import SidebarState
from nomask_app.states.chat.views import FileView, MessageView


def _file(item: FileView) -> rx.Component:
    return rx.cond(
        item.is_image,
        rx.link(
            rx.image(
                src=item.url,
                alt=item.name,
                class_name=rx.cond(item.small, "nm-thumb nm-thumb-small", "nm-thumb"),
            ),
            href=item.url,
            is_external=True,
        ),
        rx.link(rx.icon("paperclip", size=14, aria_hidden="true"), item.name, href=item.url),
    )


def _reply_body(message: MessageView, can_regenerate: rx.Var[bool]) -> rx.Component:
    return rx.fragment(
        chat_markdown(
            content=message.content,
            stream_src=message.stream_src,
            on_done=ChatState.reply_finished,
            message_id=message.id,
        ),
        rx.cond(
            message.status == "failed",
            rx.callout(
                rx.cond(message.error != "", message.error, "The reply failed."),
                color_scheme="red",
                role="alert",
                size="1",
            ),
        ),
        rx.cond(
            message.status == "stopped",
            rx.text("Stopped.", size="1", color_scheme="gray"),
        ),
        rx.cond(
            message.left_out > 0,
            rx.text(
                rx.cond(
                    message.left_out == 1,
                    "1 earlier message was left out",
                    f"{message.left_out} earlier messages were left out",
                ),
                " to fit the model's context window.",
                size="1",
                color_scheme="amber",
            ),
        ),
        rx.hstack(
            copy_button(message),
            rx.cond(
                can_regenerate,
                rx.cond(
                    message.status == "failed",
                    rx.button("Retry", size="1", on_click=ChatState.regenerate),
                    rx.button(
                        rx.icon("refresh-cw", size=14, aria_hidden="true"),
                        "Regenerate",
                        size="1",
                        variant="soft",
                        on_click=ChatState.regenerate,
                    ),
                ),
            ),
            align="center",
            spacing="2",
        ),
    )


def _edit_form(message: MessageView) -> rx.Component:
    return rx.form(
        rx.el.label("Edit message", html_for="edit-message", class_name="nm-sr-only"),
        rx.el.textarea(
            id="edit-message",
            name="edited",
            default_value=message.content,
            class_name="nm-textarea",
            rows=3,
        ),
        rx.hstack(
            rx.button("Save and send", type="submit", size="1"),
            rx.button(
                "Cancel", type="button", size="1", variant="soft", on_click=ChatState.cancel_editing
            ),
        ),
        on_submit=ChatState.save_edit,
        reset_on_submit=False,
    )


def _user_body(message: MessageView, editing: rx.Var[bool]) -> rx.Component:
    return rx.cond(
        editing,
        _edit_form(message),
        rx.text(message.content, class_name="nm-user-text"),
    )


def edit_button(message: MessageView, edit_open: rx.Var[bool]) -> rx.Component:
    """The "Edit" button of a user message: its new text starts a new branch there.

    Disabled only while another message's editor is open; while a reply is
    written it stays enabled and the server says to wait (states/chat/versions.py).
    """
    return rx.button(
        rx.icon("pencil", size=14, aria_hidden="true"),
        "Edit",
        size="1",
        variant="ghost",
        disabled=edit_open,
        on_click=ChatState.start_editing(message.id),
    )


def _version_step(message: MessageView, step: int) -> rx.Component:
    earlier = step < 0
    return rx.icon_button(
        rx.icon("chevron-left" if earlier else "chevron-right", size=14, aria_hidden="true"),
        aria_label="Previous version" if earlier else "Next version",
        size="1",
        variant="soft",
        color_scheme="gray",
        disabled=message.version <= 1 if earlier else message.version >= message.versions,
        on_click=ChatState.show_version(message.id, step),
    )


def version_switcher(message: MessageView) -> rx.Component:
    """< n / m >: switch between the versions of a regenerated reply or an edited message."""
    return rx.hstack(
        _version_step(message, -1),
        rx.text(
            f"{message.version} / {message.versions}",
            size="1",
            white_space="nowrap",
            aria_live="polite",
        ),
        _version_step(message, 1),
        align="center",
        spacing="2",
        flex_shrink="0",
    )


def _message_actions(
    message: MessageView, editing: rx.Var[bool], edit_open: rx.Var[bool]
) -> rx.Component:
    return rx.hstack(
        rx.cond(message.versions > 1, version_switcher(message)),
        rx.cond(
            (message.role == "user") & ~editing,
            rx.hstack(
                copy_button(message),
                edit_button(message, edit_open),
                align="center",
                spacing="2",
            ),
        ),
        align="center",
        spacing="4",
        wrap="wrap",
    )


@rx.memo
def message_row(
    message: rx.Var[MessageView],
    editing: rx.Var[bool],
    edit_open: rx.Var[bool],
    can_regenerate: rx.Var[bool],
    zone: rx.Var[str],
    rest: rx.RestProp,
) -> rx.Component:
    """One message, with `data-testid="message"` and its role.

    A memoized component that reads no state itself, only its props: an update of
    the conversation's state renders again only the messages it changes, not
    every message on the page (with hundreds shown, that was most of a reply's
    main-thread time).
    """
    is_user = message.role == "user"
    return rx.el.article(
        rx.hstack(
            rx.text(rx.cond(is_user, "You", "Assistant"), weight="bold", size="2"),
            local_time(iso=message.time_iso, zone=zone),
            rx.cond(message.model != "", rx.badge(message.model, variant="soft", size="1")),
            align="center",
            spacing="2",
        ),
        rx.cond(is_user, _user_body(message, editing), _reply_body(message, can_regenerate)),
        rx.cond(
            message.files.length() > 0,
            rx.hstack(
                rx.foreach(message.files, _file),
                wrap="wrap",
                spacing="2",
                class_name="nm-attachments",
            ),
        ),
        _message_actions(message, editing, edit_open),
        rest,  # the call's other props (its `key`) reach the article
        custom_attrs={
            "data-testid": "message",
            "data-role": message.role,
            "data-status": message.status,
        },
        class_name=rx.cond(is_user, "nm-message nm-message-user", "nm-message"),
    )


def message_item(message: MessageView) -> rx.Component:
    """One message of `rx.foreach`, given only the state that concerns it."""
    return message_row(
        message=message,
        editing=ChatState.editing_id == message.id,
        edit_open=ChatState.editing_id != "",
        can_regenerate=(message.id == ChatState.last_reply_id) & (ChatState.streaming_id == ""),
        zone=SidebarState.time_zone,
        # By id: a message keeps its elements when earlier ones are put before it.
        key=message.id,
    )


def _rename_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(rx.button("Rename", variant="soft", size="1")),
        rx.dialog.content(
            rx.dialog.title("Rename conversation"),
            rx.form(
                rx.flex(
                    rx.el.label("Title", html_for="rename-title", class_name="nm-label"),
                    rx.input(
                        id="rename-title",
                        name="title",
                        default_value=ChatState.title,
                        max_length=200,
                        custom_attrs={"aria-describedby": "rename-title-error"},
                    ),
                    rx.text(
                        ConversationState.rename_error,
                        id="rename-title-error",
                        color_scheme="red",
                        size="2",
                    ),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", type="button")),
                        rx.button("Save", type="submit"),
                        justify="end",
                    ),
                    direction="column",
                    spacing="2",
                ),
                on_submit=ConversationState.rename,
                reset_on_submit=False,
            ),
        ),
        open=ConversationState.rename_open,
        on_open_change=ConversationState.set_rename_open,
    )


def _delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button("Delete", variant="soft", color_scheme="red", size="1")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete this conversation?"),
            rx.alert_dialog.description(
                "Its messages and files are deleted for good. This cannot be undone."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft")),
                rx.alert_dialog.action(
                    rx.button(
                        "Delete conversation", color_scheme="red", on_click=ConversationState.delete
                    )
                ),
                justify="end",
                spacing="2",
            ),
        ),
        open=ConversationState.delete_open,
        on_open_change=ConversationState.set_delete_open,
    )


def conversation_header() -> rx.Component:
    """The title of the open conversation and its actions."""
    return rx.hstack(
        rx.heading(
            rx.cond(ChatState.title != "", ChatState.title, "New chat"),
            as_="h1",
            size="4",
            class_name="nm-ellipsis",
        ),
        rx.cond(
            ChatState.temporary,
            rx.badge(
                rx.icon("eye-off", size=14, aria_hidden="true"),
                "Temporary chat: not saved",
                role="status",
                color_scheme="amber",
                variant="surface",
                high_contrast=True,
            ),
        ),
        rx.spacer(),
        rx.cond(ChatState.conversation_id != "", rx.hstack(_rename_dialog(), _delete_dialog())),
        align="center",
        width="100%",
        class_name="nm-chat-header",
    )
