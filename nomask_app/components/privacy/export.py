"""The privacy center's export section: "Export my data", progress, "Download export"."""

import reflex as rx
from reflex.vars import Var, VarData

from nomask_app.components.common.forms import form_alert
from nomask_app.config import get_settings
from nomask_app.states.privacy.export import ExportState


def _progress() -> rx.Component:
    return rx.flex(
        rx.progress(
            value=ExportState.progress,
            max=100,
            duration="600s",
            custom_attrs={"aria-label": "Export progress"},
        ),
        rx.text(
            "Building your export: ",
            ExportState.progress,
            "%. You can leave this page; we email you when it is ready.",
            size="2",
        ),
        direction="column",
        spacing="2",
    )


def _go_to_archive() -> rx.event.EventSpec:
    # Compiled into the bundle (the CSP forbids eval). The route answers with
    # `Content-Disposition: attachment`, so the browser saves the file and
    # this page stays where it is.
    url = Var.create(f"{get_settings().backend_url}/api/export/") + ExportState.export_id
    return rx.call_function(
        Var(
            _js_expr=f"(() => window.location.assign({url!s}))",
            _var_data=VarData.merge(url._get_all_var_data()),
        )
    )


def _download() -> rx.Component:
    return rx.flex(
        rx.text(ExportState.ready_text),
        rx.button("Download export", on_click=_go_to_archive(), width="fit-content"),
        direction="column",
        spacing="2",
    )


def export_section() -> rx.Component:
    """Ask for an archive of everything we hold, follow it, download it."""
    return rx.flex(
        rx.text(
            "A ZIP file with your account details, every conversation and message (as JSON and "
            "as pages you can open in any browser, offline), every uploaded, generated and "
            "edited file in its original quality, your sessions, consents, security events "
            "and billing records. One export an hour; each is kept for 24 hours."
        ),
        rx.box(
            rx.button(
                "Export my data",
                on_click=ExportState.request_export,
                disabled=ExportState.active,
                width="fit-content",
                custom_attrs={"aria-describedby": "export-error"},
            ),
        ),
        rx.text(
            ExportState.error, id="export-error", color_scheme="red", size="2", aria_live="polite"
        ),
        rx.box(
            rx.match(
                ExportState.status,
                ("queued", _progress()),
                ("running", _progress()),
                ("ready", _download()),
                ("failed", form_alert(ExportState.failure)),
                rx.text("You have not asked for an export recently.", color_scheme="gray"),
            ),
            aria_live="polite",
        ),
        direction="column",
        spacing="3",
        on_mount=ExportState.load,
    )
