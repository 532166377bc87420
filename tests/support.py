"""Helpers for tests that are not fixtures."""

import socket

# Every variable that switches an AI provider on.
PROVIDER_KEYS = (
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
    "MISTRAL_API_KEY",
    "GROQ_API_KEY",
    "OPENROUTER_API_KEY",
    "NOMASK_OPENAI_COMPATIBLE_BASE_URL",
    "NOMASK_MODELS_FILE",
    "STABILITY_API_KEY",
)


def redis_up() -> bool:
    """Whether this machine's Redis answers on 127.0.0.1:6379."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def reset_app_caches() -> None:
    """Forget cached settings and engines so a test's environment takes effect."""
    from nomask_app.config import get_settings
    from nomask_app.db import get_engine
    from nomask_app.integrations.llm import reset_gateway
    from nomask_app.integrations.llm_images import reset_image_gateway

    get_settings.cache_clear()
    get_engine.cache_clear()
    reset_gateway()
    reset_image_gateway()


def fresh_postgres_database(admin_url: str, name: str) -> str:
    """Create an empty database next to the one in `admin_url`; return its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(admin_url: str, name: str) -> None:
    """Remove a database made by `fresh_postgres_database`."""
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
