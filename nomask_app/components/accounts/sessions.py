"""The "Active sessions" part of the settings page."""

import json

import reflex as rx
from reflex.vars import Var

from nomask_app.components.common.layout import scroll_box
from nomask_app.config import get_settings
from nomask_app.states.accounts.devices import DevicesState


def _sign_out_everywhere() -> rx.event.EventSpec:
    # Compiled into the bundle (the CSP forbids eval): post everywhere=1 to the
    # logout route in a full page load, after dropping this tab's Reflex token.
    action = json.dumps(f"{get_settings().backend_url}/api/auth/logout")
    return rx.call_function(
        Var(
            "() => { sessionStorage.removeItem('token');"
            " const form = document.createElement('form');"
            f" form.method = 'post'; form.action = {action};"
            " const field = document.createElement('input');"
            " field.type = 'hidden'; field.name = 'everywhere'; field.value = '1';"
            " form.appendChild(field); document.body.appendChild(form); form.submit(); }"
        )
    )


def _row(item: rx.Var[dict[str, str]]) -> rx.Component:
    label = f"{item['device']}, {item['ip_address']}"
    return rx.table.row(
        rx.table.row_header_cell(
            item["device"],
            rx.cond(
                item["current"] == "yes",
                rx.badge("This browser", color_scheme="green", margin_left="0.5rem"),
            ),
        ),
        rx.table.cell(item["ip_address"]),
        rx.table.cell(item["signed_in"]),
        rx.table.cell(item["last_seen"]),
        rx.table.cell(
            rx.cond(
                item["current"] == "yes",
                rx.text("—", aria_hidden="true"),
                rx.button(
                    "Sign out",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    aria_label=f"Sign out {label}",
                    on_click=DevicesState.revoke(item["id"]),
                ),
            )
        ),
    )


def sessions_section() -> rx.Component:
    """The list of signed-in browsers, a revoke button each, and "Sign out everywhere"."""
    return rx.el.section(
        rx.card(
            rx.flex(
                rx.heading("Active sessions", as_="h2", size="5", id="settings-sessions-heading"),
                rx.text(
                    "Browsers signed in to your account. Sign out any you do not recognise.",
                    color_scheme="gray",
                ),
                rx.cond(
                    DevicesState.notice != "",
                    rx.callout(DevicesState.notice, color_scheme="green", role="status"),
                ),
                scroll_box(
                    rx.table.root(
                        rx.el.caption("Active sessions", class_name="nm-sr"),
                        rx.table.header(
                            rx.table.row(
                                rx.table.column_header_cell("Browser and device"),
                                rx.table.column_header_cell("IP address"),
                                rx.table.column_header_cell("Signed in"),
                                rx.table.column_header_cell("Last seen"),
                                rx.table.column_header_cell(
                                    rx.el.span("Action", class_name="nm-sr")
                                ),
                            )
                        ),
                        rx.table.body(rx.foreach(DevicesState.sessions, _row)),
                        width="100%",
                    ),
                    "Active sessions",
                ),
                rx.button(
                    "Sign out everywhere",
                    color_scheme="red",
                    variant="outline",
                    width="fit-content",
                    on_click=_sign_out_everywhere(),
                ),
                rx.text(
                    "Signs out every browser, this one included.", size="2", color_scheme="gray"
                ),
                direction="column",
                spacing="3",
            ),
            size="3",
        ),
        margin_top="1.5rem",
        on_mount=DevicesState.load,
    )
