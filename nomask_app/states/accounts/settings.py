"""The settings forms: name, email, password, theme and email preferences.

Each handler re-derives the user from the session cookie; the services check
everything and raise `FieldErrors`, shown next to the fields, changing nothing.
"""

import asyncio

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.accounts import profile, verification
from nomask_app.services.accounts.sessions import resolve_session
from nomask_app.services.common.errors import FieldErrors
from nomask_app.states.accounts.chrome import ChromeState
from nomask_app.states.accounts.session import SessionState


def _load(user_id: str) -> dict:
    with session_scope() as session:
        user = profile.get_user(session=session, user_id=user_id)
        return {
            "name": user.name,
            "email": user.email,
            "email_verified": user.email_verified_at is not None,
            "pending_email": verification.pending_email_change(session=session, user_id=user_id),
            "theme": user.theme,
            "product_updates": user.product_updates,
        }


def _call(function, **kwargs):
    """Run one service function in its own transaction (from a worker thread)."""
    with session_scope() as session:
        return function(session=session, **kwargs)


def _current_session_id(token: str | None) -> str:
    with session_scope() as session:
        resolved = resolve_session(session=session, token=token)
        return resolved[1].id if resolved else ""


class SettingsState(SessionState):
    """What the settings page shows and what its forms report back."""

    name: str = ""
    email: str = ""
    email_verified: bool = False
    pending_email: str = ""
    theme: str = "system"
    product_updates: bool = False
    name_error: str = ""
    email_errors: dict[str, str] = {}
    password_errors: dict[str, str] = {}
    notice: dict[str, str] = {}
    busy: str = ""
    password_form_version: int = 0
    # Bumped by every load: the forms remount with fresh default values
    # (their inputs are uncontrolled, so what was typed survives an error).
    loaded_version: int = 0

    def _apply(self, data: dict) -> None:
        for key, value in data.items():
            setattr(self, key, value)

    @rx.event
    async def load(self):
        """On-load: fill the forms from the account."""
        user = await self.current_user()
        if user is None:
            return
        self.name_error, self.email_errors, self.password_errors = "", {}, {}
        self.notice, self.busy = {}, ""
        self._apply(await asyncio.to_thread(_load, user.id))
        self.loaded_version += 1

    @rx.event
    async def save_name(self, form_data: dict):
        """Profile form."""
        user = await self.current_user()
        if user is None:
            return
        self.notice, self.name_error = {}, ""
        name = str(form_data.get("name", ""))[:500]
        try:
            saved = await asyncio.to_thread(_call, profile.change_name, user_id=user.id, name=name)
        except FieldErrors as problem:
            self.name_error = problem.errors.get("name", "")
            return
        self.name = saved.name
        (await self.get_state(SessionState)).user_name = saved.name
        self.notice = {"profile": "Your name is saved."}

    @rx.event
    async def change_email(self, form_data: dict):
        """Email form: sends a confirmation link to the new address."""
        user = await self.current_user()
        if user is None:
            return
        self.notice, self.email_errors = {}, {}
        self.busy = "email"
        yield
        try:
            new_email = await asyncio.to_thread(
                _call,
                profile.request_email_change,
                user_id=user.id,
                new_email=str(form_data.get("email", ""))[:500],
                current_password=str(form_data.get("current_password", ""))[:2000],
                **self._context(),
            )
        except FieldErrors as problem:
            self.email_errors = problem.errors
            return
        finally:
            self.busy = ""
        self.pending_email = new_email
        self.notice = {
            "email": f"We sent a link to {new_email}. Your address changes when you open it."
        }

    @rx.event
    async def change_password(self, form_data: dict):
        """Password form: signs out every other browser."""
        user = await self.current_user()
        if user is None:
            return
        self.notice, self.password_errors = {}, {}
        self.busy = "password"
        yield
        try:
            current_session_id = await asyncio.to_thread(_current_session_id, self._session_token())
            ended = await asyncio.to_thread(
                _call,
                profile.change_password,
                user_id=user.id,
                current_password=str(form_data.get("current_password", ""))[:2000],
                new_password=str(form_data.get("new_password", ""))[:2000],
                current_session_id=current_session_id,
                **self._context(),
            )
        except FieldErrors as problem:
            self.password_errors = problem.errors
            return
        finally:
            self.busy = ""
        self.password_form_version += 1
        others = f" {ended} other session{'s' if ended != 1 else ''} signed out." if ended else ""
        self.notice = {"password": "Your password is changed." + others}

    @rx.event
    async def save_preferences(self, form_data: dict):
        """Preferences form: store the theme and apply it."""
        user = await self.current_user()
        if user is None:
            return
        self.notice = {}
        try:
            saved = await asyncio.to_thread(
                _call, profile.update_theme, user_id=user.id, theme=str(form_data.get("theme"))
            )
        except FieldErrors as problem:
            self.notice = {"preferences": problem.errors.get("theme", "")}
            return
        self.theme = saved.theme
        (await self.get_state(ChromeState)).theme = saved.theme
        self.notice = {"preferences": "Your preferences are saved."}

    @rx.event
    async def save_communication(self, form_data: dict):
        """Communication form: store the switch (recorded as a consent decision)."""
        user = await self.current_user()
        if user is None:
            return
        self.notice = {}
        enabled = form_data.get("product_updates") in ("on", True, "true")
        await asyncio.to_thread(
            _call, profile.set_product_updates, user_id=user.id, enabled=enabled
        )
        self.product_updates = enabled
        self.notice = {
            "communication": f"Product updates and tips are {'on' if enabled else 'off'}."
        }
