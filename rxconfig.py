"""Reflex configuration, derived from the app's own settings (nomask_app.config)."""

import os
from urllib.parse import urlsplit

import reflex as rx

from nomask_app.config import get_settings

settings = get_settings()

# `reflex run` (`make dev`) restarts the backend when a file in the project
# changes. The app's own data changes while it runs (the SQLite database's
# journal, the email outbox, stored files): each start wrote to it, which
# restarted the backend again, in a loop that never let it start. The data
# directory is left out (Reflex compares paths that exist: it is made first).
_data_dir = settings.resolve_path(settings.data_dir)
_data_dir.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("REFLEX_HOT_RELOAD_EXCLUDE_PATHS", str(_data_dir))


def _port(url: str) -> int:
    parts = urlsplit(url)
    return parts.port or (443 if parts.scheme == "https" else 80)


config = rx.Config(
    app_name="nomask_app",
    api_url=settings.backend_url,
    deploy_url=settings.app_url,
    frontend_port=_port(settings.app_url),
    backend_port=_port(settings.backend_url),
    # Reflex's default echoes any Origin with credentials: name ours instead.
    cors_allowed_origins=settings.allowed_origins,
    trusted_proxy_hops=settings.trusted_proxy_hops,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # Smaller transfers: Brotli where the browser offers it (https), gzip otherwise.
    frontend_compression_formats=["brotli", "gzip"],
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="violet", gray_color="slate", radius="medium")
        )
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
