"""Billing: the plan, payment status, this period's usage, and the plans on offer."""

import reflex as rx

from nomask_app.components.common.forms import form_alert
from nomask_app.components.common.layout import loading, scroll_box, signed_in_page
from nomask_app.states.billing.subscription import BillingState, PlanView


def _section(title: str, section_id: str, *children: rx.Component) -> rx.Component:
    return rx.el.section(
        rx.heading(title, as_="h2", size="5", id=section_id),
        *children,
        aria_labelledby=section_id,
        margin_top="2rem",
    )


def _fact(label: str, value) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(value))


def _your_plan() -> rx.Component:
    return _section(
        "Your plan",
        "billing-plan",
        rx.cond(
            BillingState.billing_off_note != "",
            rx.callout(BillingState.billing_off_note, color_scheme="blue", margin_y="0.75rem"),
        ),
        rx.data_list.root(
            _fact("Plan", BillingState.plan_name),
            _fact(
                "Includes",
                rx.el.ul(
                    rx.foreach(BillingState.plan_features, lambda feature: rx.el.li(feature)),
                    padding="0",
                    margin="0",
                ),
            ),
            rx.cond(BillingState.enabled, _fact("Payment status", BillingState.status_label)),
            rx.cond(
                BillingState.period_end_label != "",
                _fact("Billing period", BillingState.period_end_label),
            ),
            margin_y="0.75rem",
        ),
        rx.cond(
            BillingState.grace_label != "",
            rx.callout(BillingState.grace_label, color_scheme="amber", role="status"),
        ),
        rx.cond(
            BillingState.has_customer,
            rx.button(
                "Manage billing",
                on_click=BillingState.manage_billing,
                loading=BillingState.busy == "portal",
                variant="outline",
                margin_top="0.75rem",
            ),
        ),
    )


def _stat(label: str, value) -> rx.Component:
    return rx.card(
        rx.text(label, size="2", color_scheme="gray", as_="div"),
        rx.text(value, size="6", weight="bold", as_="div"),
    )


def _usage() -> rx.Component:
    return _section(
        "Usage this period",
        "billing-usage",
        rx.text(BillingState.period_label, color_scheme="gray", size="2"),
        rx.grid(
            _stat("Messages", BillingState.usage_messages),
            _stat("Images", BillingState.usage_images),
            _stat("Tokens", BillingState.usage_tokens),
            _stat("Cost", BillingState.usage_cost),
            columns=rx.breakpoints(initial="2", sm="4"),
            spacing="3",
            margin_top="0.75rem",
        ),
        rx.text(BillingState.allowance_label, size="2", margin_top="0.75rem"),
    )


def _chart() -> rx.Component:
    # The chart is drawn for sighted people; the caption and the table below
    # carry the same numbers for everyone, so the drawing is hidden from
    # assistive technology (and holds nothing focusable).
    return rx.box(
        rx.recharts.bar_chart(
            rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
            rx.recharts.x_axis(data_key="day", interval="preserveStartEnd"),
            rx.recharts.y_axis(allow_decimals=False, width=40),
            rx.recharts.bar(
                data_key="messages",
                name="Messages",
                fill="var(--accent-9)",
                is_animation_active=False,
            ),
            rx.recharts.bar(
                data_key="images",
                name="Images",
                fill="var(--amber-9)",
                is_animation_active=False,
            ),
            data=BillingState.daily,
            height=240,
            custom_attrs={"accessibilityLayer": False},
        ),
        aria_hidden="true",
        width="100%",
    )


def _daily_table() -> rx.Component:
    return rx.el.details(
        rx.el.summary("Daily usage as a table"),
        scroll_box(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *(
                            rx.table.column_header_cell(name, scope="col")
                            for name in ("Date", "Messages", "Images", "Tokens", "Cost")
                        )
                    )
                ),
                rx.table.body(
                    rx.foreach(
                        BillingState.daily,
                        lambda day: rx.table.row(
                            rx.table.row_header_cell(day["date"], scope="row"),
                            rx.table.cell(day["messages"]),
                            rx.table.cell(day["images"]),
                            rx.table.cell(day["tokens"]),
                            rx.table.cell(day["cost"]),
                        ),
                    )
                ),
                size="1",
                margin_top="0.5rem",
            ),
            "Daily usage",
        ),
        margin_top="0.75rem",
    )


def _last_30_days() -> rx.Component:
    return _section(
        "Last 30 days",
        "billing-history",
        rx.el.figure(
            rx.el.figcaption(BillingState.chart_summary, id="billing-chart-summary"),
            rx.text(
                "Bars: messages (violet) and images (amber) per day.",
                size="1",
                color_scheme="gray",
                aria_hidden="true",
            ),
            _chart(),
            margin="0",
        ),
        _daily_table(),
    )


def _plan_card(plan: PlanView) -> rx.Component:
    heading_id = "plan-" + plan.id
    return rx.card(
        rx.el.article(
            rx.heading(plan.name, as_="h3", size="4", id=heading_id),
            rx.cond(plan.price != "", rx.text(plan.price, weight="medium")),
            rx.el.ul(
                rx.foreach(plan.features, lambda feature: rx.el.li(feature)),
                list_style_type="disc",
                padding_left="1.25rem",
                margin_y="0.75rem",
            ),
            rx.cond(
                plan.current,
                rx.badge("Current plan", color_scheme="green", size="2"),
                rx.cond(
                    plan.paid & BillingState.enabled,
                    rx.button(
                        "Upgrade",
                        on_click=BillingState.upgrade(plan.id),
                        loading=BillingState.busy == "plan:" + plan.id,
                        aria_describedby=heading_id,
                    ),
                ),
            ),
            aria_labelledby=heading_id,
        ),
    )


def _plans() -> rx.Component:
    return _section(
        "Plans",
        "billing-plans",
        rx.grid(
            rx.foreach(BillingState.plans, _plan_card),
            columns=rx.breakpoints(initial="1", sm="3"),
            spacing="3",
            margin_top="0.75rem",
        ),
        rx.text(
            "Payments are handled by Stripe. We never see or store your card details.",
            size="2",
            color_scheme="gray",
            margin_top="0.75rem",
        ),
    )


def billing_page() -> rx.Component:
    return signed_in_page(
        "Billing",
        form_alert(BillingState.notice, tone="green"),
        form_alert(BillingState.error),
        rx.cond(
            BillingState.loaded,
            rx.fragment(
                _your_plan(),
                _usage(),
                _last_30_days(),
                # Plans on offer only where one can buy them.
                rx.cond(BillingState.enabled, _plans()),
            ),
            loading("Loading billing", "2rem"),
        ),
    )
