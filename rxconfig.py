"""Reflex configuration, derived from the app's own settings (nomask_app.config)."""

from urllib.parse import urlsplit

import reflex as rx

from nomask_app.config import get_settings

settings = get_settings()


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
