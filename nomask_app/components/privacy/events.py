"""The privacy center's list of the person's own security events, newest first."""

import reflex as rx

from nomask_app.states.privacy.center import PrivacyState


def _row(item: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(item["when"]),
        rx.table.cell(
            rx.text(item["label"]),
            rx.cond(item["note"] != "", rx.text(item["note"], size="1", class_name="nm-isolate")),
        ),
        rx.table.cell(item["ip_address"]),
        rx.table.cell(item["device"]),
    )


def _item(item: rx.Var[dict[str, str]]) -> rx.Component:
    # On a phone the four columns do not fit: one short block per event instead.
    return rx.el.li(
        rx.flex(
            rx.text(item["label"], weight="medium"),
            rx.text(item["when"], " · ", item["ip_address"], " · ", item["device"], size="2"),
            direction="column",
        ),
        margin_bottom="0.5rem",
    )


def events_section() -> rx.Component:
    """Sign-ins with IP and device, changes, exports, ...: a page at a time."""
    return rx.flex(
        rx.text(
            "Sign-ins with their IP address and device, password and email changes, "
            "sessions signed out, exports and deletions. If something here was not you, "
            "change your password and sign out everywhere in your settings."
        ),
        rx.box(
            rx.table.root(
                rx.el.caption("Your security events", class_name="nm-sr"),
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("When"),
                        rx.table.column_header_cell("Event"),
                        rx.table.column_header_cell("IP address"),
                        rx.table.column_header_cell("Device"),
                    )
                ),
                rx.table.body(rx.foreach(PrivacyState.events, _row)),
                width="100%",
            ),
            display=rx.breakpoints(initial="none", md="block"),
        ),
        rx.el.ul(
            rx.foreach(PrivacyState.events, _item),
            aria_label="Your security events",
            display=rx.breakpoints(initial="block", md="none"),
            padding_left="0",
            list_style="none",
        ),
        rx.flex(
            rx.text(PrivacyState.events_range, size="2", color_scheme="gray", aria_live="polite"),
            rx.spacer(),
            rx.button(
                "Newer events",
                variant="soft",
                size="1",
                disabled=~PrivacyState.has_newer_events,
                on_click=PrivacyState.newer_events,
            ),
            rx.button(
                "Older events",
                variant="soft",
                size="1",
                disabled=~PrivacyState.has_older_events,
                on_click=PrivacyState.older_events,
            ),
            align="center",
            spacing="2",
            wrap="wrap",
        ),
        direction="column",
        spacing="3",
    )
