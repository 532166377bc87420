"""Shared fixtures: a fresh database per test, on SQLite and (when configured) PostgreSQL.

Set ``NOMASK_TEST_DATABASE_URL`` to a PostgreSQL URL to run every database
test on both backends; ``NOMASK_TEST_BACKENDS=postgresql`` then skips the
SQLite runs (CI's second pass: its first pass ran them already).
"""

import os
import tempfile

# Settings are read from the environment at first use: fix them before any
# app module is imported. bcrypt cost 4 keeps the suite fast; a dedicated
# test checks that the real default is 12.
_TEST_DATA = tempfile.mkdtemp(prefix="nomask-test-")
os.environ.update(
    {
        "NOMASK_ENV": "test",
        "NOMASK_BCRYPT_ROUNDS": "4",
        "NOMASK_DATA_DIR": _TEST_DATA,
        "NOMASK_DATABASE_URL": f"sqlite:///{_TEST_DATA}/default.db",
        "LITELLM_OFFLINE_MODE": "true",
    }
)

import pytest  # noqa: E402
from sqlalchemy import create_engine, event  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import nomask_app.models  # noqa: E402,F401  (registers every table)
from tests.support import (  # noqa: E402
    PROVIDER_KEYS,
    drop_postgres_database,
    fresh_postgres_database,
    reset_app_caches,
)

POSTGRES_ADMIN_URL = os.environ.get("NOMASK_TEST_DATABASE_URL", "")
DB_BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_ADMIN_URL else [])
if POSTGRES_ADMIN_URL and os.environ.get("NOMASK_TEST_BACKENDS") == "postgresql":
    DB_BACKENDS = ["postgresql"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in process memory: every test starts with none."""
    from nomask_app.services.operations import ratelimit

    ratelimit.reset()
    yield
    ratelimit.reset()


@pytest.fixture(scope="session")
def postgres_url():
    """A database of this test run's own, so parallel runs never collide."""
    name = f"nomask_unit_{os.getpid()}"
    url = fresh_postgres_database(POSTGRES_ADMIN_URL, name)
    yield url
    drop_postgres_database(POSTGRES_ADMIN_URL, name)


@pytest.fixture(params=DB_BACKENDS)
def engine(request, tmp_path, monkeypatch):
    """An empty database with every table, used by the app's own engine too."""
    url = (
        f"sqlite:///{tmp_path}/test.db"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    monkeypatch.setenv("NOMASK_DATABASE_URL", url)
    monkeypatch.setenv("NOMASK_DATA_DIR", str(tmp_path / "data"))
    reset_app_caches()
    from nomask_app.db import get_engine

    engine = get_engine()
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    yield engine
    from nomask_app.services.privacy import storage_scrub

    storage_scrub.wait_idle()  # a scrub a deletion asked for, before the tables go
    SQLModel.metadata.drop_all(engine)
    engine.dispose()
    reset_app_caches()


def _observer_engine(engine):
    """An engine for the test's own session that always sees the latest commits.

    The app's SQLite engine runs real transactions, so a read opens a snapshot
    that lasts until commit. A test inspects what requests and jobs wrote
    through other connections, so its reads must not pin a snapshot: this
    engine leaves SQLite in autocommit for reads (pysqlite's default).
    """
    if engine.dialect.name != "sqlite":
        return engine
    observer = create_engine(engine.url, connect_args={"check_same_thread": False})

    @event.listens_for(observer, "connect")
    def _foreign_keys(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA foreign_keys=ON")
        dbapi_connection.execute("PRAGMA busy_timeout=5000")

    return observer


@pytest.fixture
def session(engine):
    """A session on the test database (tests commit when they need to)."""
    observer = _observer_engine(engine)
    with Session(observer, expire_on_commit=False) as session:
        yield session
    if observer is not engine:
        observer.dispose()


@pytest.fixture
def fake_provider():
    """A local OpenAI-compatible server (real HTTP + SSE through litellm)."""
    from tests.fakes.openai_server import FakeOpenAIServer

    server = FakeOpenAIServer().start()
    yield server
    server.stop()


@pytest.fixture
def use_models(monkeypatch):
    """Configure the AI providers for one test: `use_models(VAR=value, ...)`."""

    def configure(**env: str) -> None:
        for key in PROVIDER_KEYS:
            monkeypatch.delenv(key, raising=False)
        monkeypatch.setenv("NOMASK_DEMO_TOKEN_DELAY", "0")
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        reset_app_caches()

    yield configure
    reset_app_caches()


@pytest.fixture
def fake_models(fake_provider, use_models):
    """The fake provider as the configured model "custom/fake-a"."""
    use_models(
        NOMASK_OPENAI_COMPATIBLE_BASE_URL=fake_provider.base_url,
        NOMASK_OPENAI_COMPATIBLE_MODELS='["fake-a"]',
    )
    return fake_provider


@pytest.fixture
def operator_caps(engine, tmp_path, monkeypatch):
    """Billing off, with the bundled plans and `billing_off = "free"`: the free plan's caps.

    Without that line nobody is capped while billing is off (a self-hosted
    install); tests of the caps themselves use this operator's choice.
    """
    from nomask_app.config import get_settings
    from nomask_app.services.billing.plans import DEFAULT_PLANS_FILE

    plans = tmp_path / "plans.toml"
    plans.write_text('billing_off = "free"\n' + DEFAULT_PLANS_FILE.read_text(encoding="utf-8"))
    monkeypatch.setenv("NOMASK_PLANS_FILE", str(plans))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
