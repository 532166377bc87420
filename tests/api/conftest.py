import pytest
from starlette.testclient import TestClient

from nomask_app.api import create_api
from nomask_app.middleware import SecurityMiddleware

APP_URL = "http://localhost:3000"


@pytest.fixture
def client(engine):
    """The API as production wraps it, on the test database."""
    with TestClient(SecurityMiddleware(create_api()), base_url=APP_URL) as client:
        yield client
