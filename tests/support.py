"""Helpers for tests that are not fixtures."""

import json
import socket
from pathlib import Path

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


def fallback_models_file(path: Path, live_url: str) -> Path:
    """`main` on a dead host ("Dead host"), falling back on `spare` (the fake provider, "Live")."""
    path.write_text(
        json.dumps(
            {
                "model_list": [
                    {
                        "model_name": "main",
                        "litellm_params": {
                            "model": "openai/fake-b",
                            "api_base": "http://127.0.0.1:1/v1",
                            "api_key": "x",
                        },
                        "model_info": {"label": "Main model", "provider": "Dead host"},
                    },
                    {
                        "model_name": "spare",
                        "litellm_params": {
                            "model": "openai/fake-c",
                            "api_base": live_url,
                            "api_key": "x",
                        },
                        "model_info": {"label": "Spare model", "provider": "Live"},
                    },
                ],
                "fallbacks": [{"main": ["spare"]}],
            }
        )
    )
    return path
