"""/admin: accounts, usage, errors and metrics charts for admins; "not found" for everyone else."""

import reflex as rx

from nomask_app.components.common.forms import form_alert, text_field
from nomask_app.components.common.layout import loading, public_page, signed_in_page
from nomask_app.states.operations.admin import AdminState

_NUMBERS = (
    ("Replies being written", "active_streams"),
    ("Open connections", "open_websockets"),
    ("Replies since start", "replies"),
    ("Provider errors", "provider_errors"),
    ("Rate-limit refusals", "rate_limit_hits"),
    ("Requests served", "requests"),
)


def _not_found() -> rx.Component:
    return public_page(
        rx.heading("404: Page not found", as_="h1", size="7"),
        rx.text("There is nothing here. ", rx.link("Go to your chats", href="/"), "."),
    )


def _number(label: str, key: str) -> rx.Component:
    return rx.card(
        rx.text(label, size="2", color_scheme="gray"),
        rx.text(AdminState.numbers.get(key, "0"), size="6", weight="bold"),
    )


def _chart(title: str, *series: tuple[str, str, str]) -> rx.Component:
    # Drawn for sighted people; the table under the charts has the same numbers.
    return rx.box(
        rx.heading(title, as_="h3", size="3", margin_bottom="0.5rem"),
        rx.box(
            rx.recharts.bar_chart(
                rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
                rx.recharts.x_axis(data_key="day", interval="preserveStartEnd"),
                rx.recharts.y_axis(allow_decimals=False, width=48),
                *(
                    rx.recharts.bar(data_key=key, name=name, fill=color, is_animation_active=False)
                    for key, name, color in series
                ),
                data=AdminState.daily,
                height=200,
                custom_attrs={"accessibilityLayer": False},
            ),
            aria_hidden="true",
        ),
        width="100%",
    )


def _daily_table() -> rx.Component:
    columns = (
        ("Date", "day"),
        ("Sign-ups", "signups"),
        ("Messages", "messages"),
        ("Images", "images"),
        ("Tokens", "tokens"),
        ("Failed replies", "failed_replies"),
        ("Failed sign-ins", "failed_signins"),
    )
    return rx.el.details(
        rx.el.summary("The last 30 days as a table"),
        rx.table.root(
            rx.table.header(
                rx.table.row(*(rx.table.column_header_cell(name) for name, _ in columns))
            ),
            rx.table.body(
                rx.foreach(
                    AdminState.daily,
                    lambda day: rx.table.row(*(rx.table.cell(day[key]) for _, key in columns)),
                )
            ),
        ),
    )


def _metrics() -> rx.Component:
    return rx.el.section(
        rx.heading("Service", as_="h2", size="5", margin_y="1rem"),
        rx.grid(
            *(_number(label, key) for label, key in _NUMBERS),
            columns=rx.breakpoints(initial="2", md="3"),
            spacing="3",
        ),
        rx.grid(
            _chart("Sign-ups", ("signups", "Sign-ups", "var(--accent-9)")),
            _chart(
                "Usage",
                ("messages", "Messages", "var(--accent-9)"),
                ("images", "Images", "var(--amber-9)"),
            ),
            _chart(
                "Errors",
                ("failed_replies", "Failed replies", "var(--red-9)"),
                ("failed_signins", "Failed sign-ins", "var(--orange-9)"),
            ),
            columns=rx.breakpoints(initial="1", md="3"),
            spacing="4",
            margin_top="1rem",
        ),
        _daily_table(),
    )


def _errors() -> rx.Component:
    return rx.el.section(
        rx.heading("Recent errors", as_="h2", size="5", margin_y="1rem"),
        rx.cond(
            AdminState.errors.length() > 0,
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("When"),
                        rx.table.column_header_cell("Model"),
                        rx.table.column_header_cell("Error"),
                    )
                ),
                rx.table.body(
                    rx.foreach(
                        AdminState.errors,
                        lambda row: rx.table.row(
                            rx.table.cell(row["when"]),
                            rx.table.cell(row["model"]),
                            rx.table.cell(row["error"]),
                        ),
                    )
                ),
            ),
            rx.text("No failed replies.", color_scheme="gray"),
        ),
    )


def _account_row(row: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.button(
                row["email"],
                variant="ghost",
                aria_label=f"Open {row['email']}",
                on_click=AdminState.open_account(row["id"]),
            )
        ),
        rx.table.cell(row["name"], class_name="nm-isolate"),
        rx.table.cell(row["role"]),
        rx.table.cell(row["status"]),
        rx.table.cell(row["created"]),
        rx.table.cell(row["two_factor"]),
        rx.table.cell(row["messages"]),
        rx.table.cell(row["images"]),
    )


def _accounts() -> rx.Component:
    return rx.el.section(
        rx.heading("Accounts", as_="h2", size="5", margin_y="1rem"),
        rx.form(
            rx.hstack(
                rx.el.label("Find an account", html_for="admin-query", class_name="nm-sr"),
                rx.input(
                    id="admin-query",
                    name="query",
                    placeholder="Email or name",
                    default_value=AdminState.query,
                ),
                rx.button("Search", type="submit", variant="soft"),
            ),
            on_submit=AdminState.search,
            reset_on_submit=False,
        ),
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *(
                        rx.table.column_header_cell(name)
                        for name in (
                            "Email",
                            "Name",
                            "Role",
                            "Status",
                            "Created",
                            "Two-factor",
                            "Messages (30 days)",
                            "Images (30 days)",
                        )
                    )
                )
            ),
            rx.table.body(rx.foreach(AdminState.accounts, _account_row)),
            margin_top="0.75rem",
        ),
        _pages(),
    )


def _pages() -> rx.Component:
    return rx.el.nav(
        rx.text(AdminState.range_label, size="2", role="status"),
        rx.button(
            "Previous page",
            variant="soft",
            on_click=AdminState.previous_page,
            disabled=AdminState.page == 0,
        ),
        rx.button(
            "Next page",
            variant="soft",
            on_click=AdminState.next_page,
            disabled=~AdminState.has_more,
        ),
        aria_label="Account pages",
        display="flex",
        flex_wrap="wrap",
        align_items="center",
        gap="0.75rem",
        margin_top="0.75rem",
    )


def _suspension_dialog() -> rx.Component:
    suspended = AdminState.selected["suspended"] == "yes"
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(
                rx.cond(suspended, "Unsuspend", "Suspend"),
                color_scheme=rx.cond(suspended, "green", "red"),
                variant="outline",
            )
        ),
        rx.dialog.content(
            rx.dialog.title(rx.cond(suspended, "Lift the suspension?", "Suspend this account?")),
            rx.dialog.description(
                rx.cond(
                    suspended,
                    "The person can sign in again. The reason is emailed to them.",
                    "Every browser of this account is signed out and sign-in is refused "
                    "until the suspension is lifted. The reason is emailed to the person "
                    "and shown among their security events.",
                )
            ),
            rx.form(
                rx.flex(
                    text_field(
                        "Reason",
                        "suspension-reason",
                        name="reason",
                        error=AdminState.suspension_error,
                    ),
                    rx.flex(
                        rx.dialog.close(
                            rx.button("Cancel", type="button", variant="soft", color_scheme="gray")
                        ),
                        rx.button(
                            rx.cond(suspended, "Lift suspension", "Suspend account"),
                            type="submit",
                            color_scheme=rx.cond(suspended, "green", "red"),
                            high_contrast=True,
                        ),
                        justify="end",
                        spacing="3",
                    ),
                    direction="column",
                    spacing="3",
                ),
                on_submit=AdminState.change_suspension,
                reset_on_submit=False,
                no_validate=True,
                margin_top="1rem",
            ),
        ),
        open=AdminState.suspension_open,
        on_open_change=AdminState.set_suspension_open,
    )


def _message(item) -> rx.Component:
    return rx.box(
        rx.text(item.role, size="1", weight="bold", color_scheme="gray"),
        # Plain text: never rendered as markdown or HTML here.
        rx.text(item.text, white_space="pre-wrap", size="2", class_name="nm-isolate"),
        padding_y="0.25rem",
    )


def _account() -> rx.Component:
    selected = AdminState.selected
    return rx.el.section(
        rx.hstack(
            rx.heading(selected["email"], as_="h2", size="5"),
            rx.spacer(),
            rx.button("Back to accounts", variant="soft", on_click=AdminState.close_account),
            margin_y="1rem",
            wrap="wrap",
        ),
        form_alert(AdminState.notice, tone="green"),
        rx.data_list.root(
            *(
                rx.data_list.item(
                    rx.data_list.label(label),
                    rx.data_list.value(selected[key], class_name="nm-isolate"),
                )
                for label, key in (
                    ("Name", "name"),
                    ("Role", "role"),
                    ("Status", "status"),
                    ("Created", "created"),
                    ("Conversations", "conversations"),
                    ("Messages (30 days)", "messages"),
                    ("Images (30 days)", "images"),
                    ("Tokens (30 days)", "tokens"),
                    ("Cost (30 days)", "cost"),
                )
            )
        ),
        rx.box(_suspension_dialog(), margin_top="1rem"),
        rx.card(
            rx.form(
                rx.flex(
                    rx.heading("Read conversations", as_="h3", size="4"),
                    rx.text(
                        "Conversations stay hidden unless you say why you need them. The "
                        "reason is recorded and shown to this person.",
                        color_scheme="gray",
                    ),
                    text_field(
                        "Reason for access",
                        "admin-reason",
                        name="reason",
                        error=AdminState.reason_error,
                        max_length=500,
                    ),
                    rx.button("Show conversations", type="submit", width="fit-content"),
                    direction="column",
                    spacing="3",
                ),
                on_submit=AdminState.read_conversations,
                reset_on_submit=False,
                no_validate=True,
            ),
            margin_top="1rem",
        ),
        rx.foreach(
            AdminState.excerpts,
            lambda item: rx.card(
                rx.heading(item.title, as_="h3", size="3", class_name="nm-isolate"),
                rx.foreach(item.messages, _message),
                margin_top="1rem",
            ),
        ),
    )


def admin_page() -> rx.Component:
    return rx.cond(
        AdminState.allowed,
        signed_in_page(
            "Admin console",
            rx.cond(
                AdminState.selected.length() > 0,
                _account(),
                rx.fragment(_metrics(), _accounts(), _errors()),
            ),
        ),
        rx.cond(
            AdminState.checked,
            _not_found(),
            loading(),
        ),
    )
