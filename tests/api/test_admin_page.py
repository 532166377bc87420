"""The admin console's page answers 404 at the HTTP level to anyone but an admin."""

import pytest
from starlette.responses import HTMLResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from nomask_app.api import create_api
from nomask_app.middleware import SecurityMiddleware
from nomask_app.models import User
from tests.api.conftest import APP_URL
from tests.factories import PASSWORD, make_user

ADMIN_PATHS = ["/admin", "/admin/", "/admin.html", "/admin/index.html", "/admin.html.gz"]


async def _static_page(request):
    """What the production build's static files answer: every page, status 200."""
    return HTMLResponse(f"<h1>page {request.url.path}</h1>")


@pytest.fixture
def site(engine):
    """The API and the built pages behind the middleware, as `make run` serves them."""
    inner = create_api()
    inner.router.routes.append(Route("/{path:path}", _static_page))

    def client_for(email: str | None = None) -> TestClient:
        client = TestClient(SecurityMiddleware(inner), base_url=APP_URL)
        if email:
            signed = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
            assert signed.status_code == 200
        return client

    return client_for


@pytest.mark.parametrize("path", ADMIN_PATHS)
def test_the_admin_page_is_not_found_for_visitors_and_people(site, session, path):
    person = make_user(session)
    for client in (site(), site(person.email)):
        response = client.get(path)
        assert response.status_code == 404
        assert "page /admin" not in response.text
        assert client.head(path).status_code == 404
    # A cookie that is not a session is a visitor too.
    forged = site().get(path, headers={"cookie": 'nomask_session="x"; other=1; bad"cookie'})
    assert forged.status_code == 404


@pytest.mark.parametrize("path", ADMIN_PATHS)
def test_an_admin_gets_the_admin_page(site, session, path):
    boss = make_user(session)
    row = session.get(User, boss.id)
    row.role = "admin"
    session.add(row)
    session.commit()
    response = site(boss.email).get(path)
    assert response.status_code == 200
    assert "page /admin" in response.text


def test_other_pages_are_served_to_everyone(site):
    for path in ("/", "/administration", "/settings", "/chat/admin"):
        assert site().get(path).status_code == 200
