"""Helpers for tests that are not fixtures."""


def reset_app_caches() -> None:
    """Forget cached settings and engines so a test's environment takes effect."""
    from nomask_app.config import get_settings
    from nomask_app.db import get_engine

    get_settings.cache_clear()
    get_engine.cache_clear()
