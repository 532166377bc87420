"""The conversation sidebar: "New chat", "Search conversations", the list.

The list's rows reach the page as changes (`SidebarState.rows`); the React
side (`sidebar_rows.js` next to this file) keeps them and makes the groups.
The entry marked current follows the page's address, not ChatState, so the
list is not rendered again at every update of the conversation.
"""

import reflex as rx
from reflex.vars import Var
from reflex_base.constants.state import FIELD_MARKER

from nomask_app.components.chat.address import conversation_in_address
from nomask_app.components.chat.kept_var import kept_var
from nomask_app.components.chat.local_time import browser_zone
from nomask_app.states.chat.conversation import ChatState
from nomask_app.states.chat.sidebar import SidebarState
from nomask_app.states.chat.views import ConversationGroup, ConversationView

_SOURCE = rx.asset("sidebar_rows.js", shared=True)
_NAME = "nmSidebarGroups"
_STATE = SidebarState.get_full_name()
_FIELD = "rows" + FIELD_MARKER


class FollowSidebarRows(rx.Component):
    """Renders nothing; applies every change to the list from the moment the page opens."""

    library = _SOURCE.importable_path
    tag = "FollowSidebarRows"

    state: Var[str]
    field: Var[str]


def follow_sidebar_rows() -> rx.Component:
    """Put once on the chat page, outside anything shown only sometimes."""
    return FollowSidebarRows.create(state=_STATE, field=_FIELD)


def _groups() -> Var[list[ConversationGroup]]:
    """The conversations under their date headings, as the page keeps them."""
    arguments = f"{_STATE!r}, {_FIELD!r}"
    return kept_var(_NAME, list[ConversationGroup], _SOURCE, "useSidebarGroups", arguments)


def _entry(item: ConversationView) -> rx.Component:
    current = item.id == conversation_in_address()
    return rx.el.li(
        rx.link(
            rx.text(item.title, size="2", weight="medium", class_name="nm-ellipsis"),
            rx.cond(
                item.snippet != "",
                rx.text(item.snippet, size="1", color_scheme="gray", class_name="nm-ellipsis"),
            ),
            href="/chat/" + item.id,
            underline="none",
            color_scheme="gray",
            high_contrast=True,
            aria_current=rx.cond(current, "page", "false"),
            class_name="nm-conversation-link",
        ),
    )


def temporary_switch() -> rx.Component:
    """The "Temporary chat" switch: new chats are not saved past the session."""
    return rx.el.label(
        rx.switch(
            checked=ChatState.temporary,
            on_change=ChatState.set_temporary,
            # Inert until hydrated: a flip before then would be lost.
            disabled=~rx.State.is_hydrated,
        ),
        rx.text("Temporary chat", size="2"),
        display="flex",
        align_items="center",
        gap="0.5rem",
        cursor="pointer",
    )


def _group(group: ConversationGroup) -> rx.Component:
    return rx.el.section(
        rx.heading(group.label, as_="h2", size="1", weight="medium", class_name="nm-group-heading"),
        rx.el.ul(rx.foreach(group.conversations, _entry), class_name="nm-list"),
    )


# The browser's time zone, for the date groups and message times.
def sidebar() -> rx.Component:
    """The sidebar of the chat page."""
    searching = SidebarState.query != ""
    return rx.el.nav(
        browser_zone(on_zone=SidebarState.set_time_zone, known=SidebarState.time_zone),
        rx.flex(
            rx.button(
                rx.icon("square-pen", aria_hidden="true"),
                "New chat",
                width="100%",
                on_click=rx.redirect("/"),
            ),
            temporary_switch(),
            rx.input(
                type="search",
                placeholder="Search conversations",
                aria_label="Search conversations",
                default_value=SidebarState.query,
                on_change=SidebarState.search.debounce(250),
                max_length=200,
            ),
            rx.cond(
                searching,
                rx.fragment(
                    rx.text(
                        rx.cond(
                            SidebarState.results.length() > 0,
                            "Search results",
                            "No conversations match.",
                        ),
                        size="1",
                        color_scheme="gray",
                        aria_live="polite",
                    ),
                    rx.el.ul(rx.foreach(SidebarState.results, _entry), class_name="nm-list"),
                ),
                rx.fragment(
                    rx.foreach(_groups(), _group),
                    rx.cond(
                        SidebarState.has_more,
                        rx.button("Load more", variant="ghost", on_click=SidebarState.load_more),
                    ),
                ),
            ),
            direction="column",
            spacing="3",
        ),
        aria_label="Conversations",
        class_name="nm-sidebar",
    )
