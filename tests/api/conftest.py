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


@pytest.fixture
def signed_in(engine, session):
    """A factory of (client, user) pairs, each client carrying its user's session cookie."""
    from tests.factories import PASSWORD, make_user

    clients = []

    def make(**user_fields):
        user = make_user(session, **user_fields)
        client = TestClient(SecurityMiddleware(create_api()), base_url=APP_URL).__enter__()
        clients.append(client)
        response = client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
        assert response.status_code == 200
        return client, user

    yield make
    for client in clients:
        client.__exit__(None, None, None)
