"""The "Two-factor sign-in" part of the settings page: enrol, turn off, new recovery codes."""

import asyncio

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.accounts import twofactor
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.operations import ratelimit
from nomask_app.states.accounts.session import SessionState


def _call(function, **kwargs):
    with session_scope() as session:
        return function(session=session, **kwargs)


class TwoFactorState(SessionState):
    """Whether two-factor sign-in is on; the QR code while enrolling; new codes once."""

    enabled: bool = False
    enabled_since: str = ""
    codes_left: int = 0
    enrolling: bool = False
    qr_code: str = ""
    secret: str = ""
    recovery_codes: list[str] = []
    code_error: str = ""
    password_error: str = ""
    regenerate_error: str = ""
    notice: str = ""
    busy: bool = False

    def _hit_limit(self, user_id: str) -> None:
        ip = self._context()["ip_address"]
        ratelimit.hit(ratelimit.TWO_FACTOR_SETTINGS, user=user_id, ip=ip)

    async def _show_status(self, user_id: str) -> None:
        status = await asyncio.to_thread(_call, twofactor.status, user_id=user_id)
        self.enabled, self.codes_left = status.enabled, status.recovery_codes_left
        self.enabled_since = f"{status.enabled_at:%d %B %Y}" if status.enabled_at else ""

    @rx.event
    async def load(self):
        """On mount: the current status, and nothing left over from before."""
        user = await self.current_user()
        if user is None:
            return
        self.enrolling, self.qr_code, self.secret, self.recovery_codes = False, "", "", []
        self.code_error = self.password_error = self.regenerate_error = self.notice = ""
        await self._show_status(user.id)

    @rx.event
    async def start(self):
        """Make a secret and show its QR code."""
        user = await self.current_user()
        if user is None:
            return
        try:
            enrolment = await asyncio.to_thread(_call, twofactor.start_enrolment, user_id=user.id)
        except FieldErrors as problem:
            self.notice = problem.errors.get("code", "")
            return
        self.enrolling, self.qr_code, self.secret = True, enrolment.qr_data_uri, enrolment.secret
        self.code_error = self.notice = ""

    @rx.event
    def cancel(self):
        """Leave the set-up; nothing is switched on."""
        self.enrolling, self.qr_code, self.secret, self.code_error = False, "", "", ""

    @rx.event
    async def confirm(self, form_data: dict):
        """Switch it on once the code from the app checks out; show the recovery codes."""
        user = await self.current_user()
        if user is None:
            return
        self.code_error = ""
        try:
            await asyncio.to_thread(
                ratelimit.hit,
                ratelimit.TWO_FACTOR_SETTINGS,
                user=user.id,
                ip=self._context()["ip_address"],
            )
            codes = await asyncio.to_thread(
                _call,
                twofactor.confirm_enrolment,
                user_id=user.id,
                code=str(form_data.get("code", ""))[:32],
                **self._context(),
            )
        except ratelimit.RateLimited as limit:
            self.code_error = limit.message
            return
        except FieldErrors as problem:
            self.code_error = problem.errors.get("code", "")
            return
        self.enrolling, self.qr_code, self.secret = False, "", ""
        self.recovery_codes = codes
        self.notice = "Two-factor sign-in is on. We sent you an email about it."
        await self._show_status(user.id)

    async def _with_password(self, function, form_data: dict, error_field: str):
        user = await self.current_user()
        if user is None:
            return None, None
        setattr(self, error_field, "")
        self.notice = ""
        self.busy = True
        result = None
        try:
            await asyncio.to_thread(
                ratelimit.hit,
                ratelimit.TWO_FACTOR_SETTINGS,
                user=user.id,
                ip=self._context()["ip_address"],
            )
            result = await asyncio.to_thread(
                _call,
                function,
                user_id=user.id,
                password=str(form_data.get("password", ""))[:2000],
                **self._context(),
            )
        except ratelimit.RateLimited as limit:
            setattr(self, error_field, limit.message)
            return user, None
        except FieldErrors as problem:
            setattr(self, error_field, problem.errors.get("password", ""))
            return user, None
        finally:
            self.busy = False
        return user, (result if result is not None else True)

    @rx.event
    async def disable(self, form_data: dict):
        """Switch it off (the password confirms it is the owner)."""
        user, done = await self._with_password(twofactor.disable, form_data, "password_error")
        if not done:
            return
        self.recovery_codes = []
        self.notice = "Two-factor sign-in is off. We sent you an email about it."
        await self._show_status(user.id)

    @rx.event
    async def regenerate(self, form_data: dict):
        """Replace the recovery codes; the old ones stop working."""
        user, codes = await self._with_password(
            twofactor.regenerate_recovery_codes, form_data, "regenerate_error"
        )
        if not codes:
            return
        self.recovery_codes = codes
        self.notice = "Here are your new recovery codes. The old ones no longer work."
        await self._show_status(user.id)

    @rx.event
    def hide_codes(self):
        """The person has stored the codes: take them off the page."""
        self.recovery_codes = []
