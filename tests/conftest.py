"""Shared fixtures: a fresh database per test, on SQLite and (when configured) PostgreSQL.

Set ``NOMASK_TEST_DATABASE_URL`` to a PostgreSQL URL to run every database
test on both backends.
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
from sqlmodel import Session, SQLModel  # noqa: E402

import nomask_app.models  # noqa: E402,F401  (registers every table)
from tests.support import reset_app_caches  # noqa: E402

POSTGRES_URL = os.environ.get("NOMASK_TEST_DATABASE_URL", "")
DB_BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@pytest.fixture(params=DB_BACKENDS)
def engine(request, tmp_path, monkeypatch):
    """An empty database with every table, used by the app's own engine too."""
    url = f"sqlite:///{tmp_path}/test.db" if request.param == "sqlite" else POSTGRES_URL
    monkeypatch.setenv("NOMASK_DATABASE_URL", url)
    monkeypatch.setenv("NOMASK_DATA_DIR", str(tmp_path / "data"))
    reset_app_caches()
    from nomask_app.db import get_engine

    engine = get_engine()
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    yield engine
    SQLModel.metadata.drop_all(engine)
    engine.dispose()
    reset_app_caches()


@pytest.fixture
def session(engine):
    """A session on the test database (tests commit when they need to)."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
