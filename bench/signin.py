"""A browser context signed in through the API, as the bench scripts need."""

import json

from tests.factories import PASSWORD


def signed_in_context(browser, base_url: str, email: str, **options):
    """A new Playwright context with a session cookie for `email` (password: the test one).

    Args:
        browser: A Playwright browser.
        base_url: The app's address.
        email: A seeded account's email address.
        **options: Further `new_context` options (viewport, color_scheme...).

    Returns:
        The signed-in context.
    """
    context = browser.new_context(base_url=base_url, **options)
    response = context.request.post(
        "/api/auth/login",
        data=json.dumps({"email": email, "password": PASSWORD}),
        headers={"content-type": "application/json"},
    )
    assert response.ok, response.status
    return context
