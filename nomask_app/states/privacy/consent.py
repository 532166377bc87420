"""Cookie consent: the first-visit banner and the cookie page (policy §7).

Deliberately not a SessionState substate: signing out resets that subtree,
and the consent cookie must survive it.
"""

import asyncio

import reflex as rx

from nomask_app.config import get_settings
from nomask_app.db import session_scope
from nomask_app.models import ConsentRecord
from nomask_app.services.privacy import consent
from nomask_app.states.accounts.session import SessionState

_CHOICE_LABELS = {consent.ALL: "Accept all", consent.ESSENTIAL: "Essential only"}


def describe_record(record: ConsentRecord | None) -> str:
    """One line about the recorded decision, for the cookie page."""
    if record is None:
        return ""
    label = _CHOICE_LABELS.get(record.choice, record.choice)
    return (
        f"Recorded choice: {label}, on {record.created_at:%d %B %Y at %H:%M} UTC "
        f"(privacy policy version {record.policy_version})."
    )


def _record(choice: str, consent_id: str | None, user_id: str | None) -> tuple[str, str]:
    with session_scope() as session:
        record = consent.record_cookie_choice(
            session=session, choice=choice, consent_id=consent_id, user_id=user_id
        )
        return record.consent_id or "", describe_record(record)


def _latest(consent_id: str) -> str:
    with session_scope() as session:
        return describe_record(consent.latest_cookie_choice(session=session, consent_id=consent_id))


class ConsentState(rx.State):
    """The browser's cookie decision and the cookie page's form."""

    # Essential: holds a random consent id and the choice, nothing else.
    cookie: str = rx.Cookie(
        "",
        name=consent.CONSENT_COOKIE,
        max_age=consent.CONSENT_COOKIE_DAYS * 86400,
        same_site="lax",
        secure=get_settings().secure_cookies,
    )
    preferences_switch: bool = False
    record_summary: str = ""
    notice: str = ""
    # Clearing local storage makes Reflex run the page's on_load again: the
    # notice of the save that cleared it must survive that one load.
    _keep_notice_once: bool = False

    @rx.var
    def choice(self) -> str:
        """The decision: `all`, `essential`, or empty while there is none."""
        parsed = consent.parse_cookie(self.cookie)
        return parsed[1] if parsed else ""

    @rx.event
    async def load_page(self):
        """On-load of the cookie page: show the current decision, signed in or not."""
        await (await self.get_state(SessionState)).current_user()
        if self._keep_notice_once:
            self._keep_notice_once = False
        else:
            self.notice = ""
        self.preferences_switch = self.choice == consent.ALL
        parsed = consent.parse_cookie(self.cookie)
        self.record_summary = await asyncio.to_thread(_latest, parsed[0]) if parsed else ""

    @rx.event
    async def accept_all(self):
        """Banner: consent to preference cookies too."""
        return await self._decide(consent.ALL)

    @rx.event
    async def essential_only(self):
        """Banner: essential cookies only."""
        return await self._decide(consent.ESSENTIAL)

    @rx.event
    def set_preferences_switch(self, value: bool):
        """Cookie page: the "Preference cookies" switch."""
        self.preferences_switch = bool(value)
        self.notice = ""

    @rx.event
    async def save_preferences(self):
        """Cookie page: record the switch's position as the decision."""
        result = await self._decide(consent.ALL if self.preferences_switch else consent.ESSENTIAL)
        self.notice = "Your cookie preferences are saved."
        self._keep_notice_once = result is not None
        return result

    async def _decide(self, choice: str):
        user = await (await self.get_state(SessionState)).current_user()
        parsed = consent.parse_cookie(self.cookie)
        consent_id, summary = await asyncio.to_thread(
            _record, choice, parsed[0] if parsed else None, user.id if user else None
        )
        self.cookie = consent.format_cookie(consent_id, choice)
        self.record_summary = summary
        self.preferences_switch = choice == consent.ALL
        if choice == consent.ESSENTIAL:
            # Withdrawing consent removes what preference storage already holds.
            return rx.clear_local_storage()
        return None
