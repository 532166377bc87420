"""The Reflex app: pages, the HTTP API and the security middleware."""

import os

import reflex as rx

# Reflex imports its model module, and with it alembic, mako and pygments
# (~90 ms), the first time an event carries a dict, as the chat's `send` does:
# each worker's first message waited for it. Imported with the app, in the
# supervisor, so the workers share it (`share_preloaded_memory`).
import reflex.model

from nomask_app.api import create_api
from nomask_app.components.chat.drawer import drawer_script
from nomask_app.components.privacy.cookie_banner import (
    consent_known,
    cookie_banner_wrap,
    storage_guard,
)
from nomask_app.config import get_settings
from nomask_app.logs import configure_logging
from nomask_app.middleware import SecurityMiddleware
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
from nomask_app.services.privacy.privacy_sweep import run_periodically as privacy_sweep
from nomask_app.startup import on_start
from nomask_app.states.accounts.email_links import (
    ForgotPasswordState,
    ResetPasswordState,
    VerifyEmailState,
)
from nomask_app.states.accounts.login import LoginState
from nomask_app.states.accounts.session import SessionState, on_backend_error
from nomask_app.states.accounts.settings import SettingsState
from nomask_app.states.accounts.signup import SignupState
from nomask_app.states.billing.subscription import BillingState
from nomask_app.states.chat.conversation import ChatState
from nomask_app.states.images.studio import StudioState
from nomask_app.states.operations.admin import AdminState
from nomask_app.states.privacy.center import PrivacyState
from nomask_app.states.privacy.consent import ConsentState
from nomask_app.states.privacy.policy import PolicyState
from nomask_app.states.privacy.providers import ProvidersState
from nomask_app.states.privacy.retention import RetentionState
from nomask_app.workers import respawn_failed_workers, share_preloaded_memory

configure_logging(get_settings().log_level)
respawn_failed_workers()
share_preloaded_memory()
# Engine.IO drops any websocket message larger than this (the middleware checks too).
os.environ["REFLEX_SOCKET_MAX_HTTP_BUFFER_SIZE"] = str(get_settings().max_socket_message_bytes)

app = rx.App(
    stylesheets=["/nomask.css", "/layout.css", "/reply.css"],
    head_components=[
        rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
        storage_guard(),
        consent_known(),
        drawer_script(),
    ],
    # The cookie banner comes first on every page (inside the theme, before the page).
    extra_app_wraps={(3, "CookieBanner"): cookie_banner_wrap},
    # The Starlette app receives Reflex's backend as a mount; the middleware
    # then wraps everything, pages and websocket included.
    api_transformer=[create_api(), SecurityMiddleware],
    # A tab whose session was ended elsewhere lands on the sign-in page, saying so.
    backend_exception_handler=on_backend_error,
)
app.register_lifespan_task(on_start)
# Expires exports, finishes interrupted account deletions, removes orphaned files.
app.register_lifespan_task(privacy_sweep)

_SIGNED_IN = SessionState.require_user
app.add_page(chat_page, route="/", title="Chat · NoMask AI", on_load=ChatState.open_new)
app.add_page(
    chat_page,
    route="/chat/[conversation]",
    title="Chat · NoMask AI",
    on_load=ChatState.open_conversation,
)
app.add_page(
    images_page,
    route="/images",
    title="Image studio · NoMask AI",
    on_load=[_SIGNED_IN, StudioState.load],
)
app.add_page(
    privacy_page,
    route="/privacy",
    title="Privacy center · NoMask AI",
    on_load=[_SIGNED_IN, PrivacyState.load, RetentionState.load, ProvidersState.load],
)
app.add_page(
    billing_page,
    route="/billing",
    title="Billing · NoMask AI",
    on_load=[_SIGNED_IN, BillingState.load],
)
app.add_page(login_page, route="/login", title="Sign in · NoMask AI", on_load=LoginState.load)
app.add_page(
    signup_page,
    route="/signup",
    title="Create account · NoMask AI",
    on_load=[SessionState.redirect_if_signed_in, SignupState.load, PolicyState.load],
)
app.add_page(
    policy_page, route="/policy", title="Privacy policy · NoMask AI", on_load=PolicyState.load
)

app.add_page(
    settings_page,
    route="/settings",
    title="Settings · NoMask AI",
    on_load=[_SIGNED_IN, SettingsState.load],
)
app.add_page(
    cookies_page,
    route="/settings/cookies",
    title="Cookies · NoMask AI",
    on_load=ConsentState.load_page,
)
app.add_page(
    forgot_password_page,
    route="/forgot-password",
    title="Forgot password · NoMask AI",
    on_load=ForgotPasswordState.load,
)
app.add_page(
    reset_password_page,
    route="/reset-password",
    title="Choose a new password · NoMask AI",
    on_load=ResetPasswordState.load,
)
app.add_page(
    verify_email_page,
    route="/verify-email",
    title="Confirm your email address · NoMask AI",
    on_load=VerifyEmailState.load,
)
app.add_page(admin_page, route="/admin", title="NoMask AI", on_load=AdminState.load)
