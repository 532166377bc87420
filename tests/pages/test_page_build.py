"""Every page builds without a warning: a newcomer's first screen (`make run`) stays clean."""

import logging

import pytest

from nomask_app.pages.accounts.auth import login_page, signup_page
from nomask_app.pages.accounts.email_links import (
    forgot_password_page,
    reset_password_page,
    verify_email_page,
)
from nomask_app.pages.accounts.settings import settings_page
from nomask_app.pages.billing.plans import billing_page
from nomask_app.pages.chat.conversation import chat_page
from nomask_app.pages.images.studio import images_page
from nomask_app.pages.operations.admin import admin_page
from nomask_app.pages.privacy.center import privacy_page
from nomask_app.pages.privacy.cookies import cookies_page
from nomask_app.pages.privacy.policy import policy_page

PAGES = [
    admin_page,
    billing_page,
    chat_page,
    cookies_page,
    forgot_password_page,
    images_page,
    login_page,
    policy_page,
    privacy_page,
    reset_password_page,
    settings_page,
    signup_page,
    verify_email_page,
]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.__name__)
def test_a_page_builds_without_warnings(page, caplog):
    # Reflex checks every event handler's argument types against its trigger
    # while the component is built, and logs a mismatch as a warning.
    with caplog.at_level(logging.WARNING):
        page()
    assert [record.getMessage() for record in caplog.records] == []
