"""The admin console: accounts, usage, errors and metrics; content only with a stated reason.

Every handler re-derives the caller from the session cookie and the service
checks the admin role again, so calling a handler directly gains nothing.
Everyone else sees "not found".
"""

import asyncio
import dataclasses

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.operations import admin, metrics, suspension
from nomask_app.states.accounts.session import SessionState


@dataclasses.dataclass
class ExcerptLine:
    """One message of a conversation an admin opened."""

    role: str = ""
    text: str = ""


@dataclasses.dataclass
class Excerpt:
    """A conversation an admin opened, with its latest messages."""

    title: str = ""
    messages: list[ExcerptLine] = dataclasses.field(default_factory=list)


def _when(moment) -> str:
    return f"{moment:%d %b %Y, %H:%M} UTC"


def _overview(admin_id: str, query: str, page: int) -> dict:
    with session_scope() as session:
        accounts, more = admin.list_accounts(
            session=session, admin_id=admin_id, query=query, page=page
        )
        days = admin.daily_series(session=session, admin_id=admin_id)
        errors = admin.recent_errors(session=session, admin_id=admin_id)
    first = page * admin.USERS_PAGE + 1
    return {
        "has_more": more,
        "range_label": (
            f"Accounts {first}–{first + len(accounts) - 1}" if accounts else "No accounts"
        ),
        "accounts": [
            {
                "id": row.id,
                "email": row.email,
                "name": row.name,
                "role": row.role,
                "status": "Suspended" if row.suspended else "Active",
                "created": f"{row.created_at:%d %b %Y}",
                "verified": "yes" if row.verified else "no",
                "two_factor": "on" if row.two_factor else "off",
                "messages": str(row.messages_30d),
                "images": str(row.images_30d),
            }
            for row in accounts
        ],
        "daily": [
            {
                "day": f"{point.day:%d %b}",
                "signups": point.signups,
                "messages": point.messages,
                "images": point.images,
                "tokens": point.tokens,
                "failed_replies": point.failed_replies,
                "failed_signins": point.failed_signins,
            }
            for point in days
        ],
        "errors": [
            {"when": _when(row.when), "model": row.model, "error": row.error} for row in errors
        ],
    }


def _detail(admin_id: str, user_id: str) -> dict[str, str]:
    with session_scope() as session:
        detail = admin.account_detail(session=session, admin_id=admin_id, user_id=user_id)
    usage = detail.usage_30d
    return {
        "id": detail.id,
        "email": detail.email,
        "name": detail.name,
        "role": detail.role,
        "created": _when(detail.created_at),
        "conversations": str(detail.conversations),
        "messages": str(usage.messages),
        "images": str(usage.images),
        "tokens": f"{usage.tokens:,}",
        "cost": f"${usage.cost_usd:.2f}",
        "status": (
            f"Suspended since {_when(detail.suspended_at)}: {detail.suspension_reason}"
            if detail.suspended_at
            else "Active"
        ),
        "suspended": "yes" if detail.suspended_at else "",
    }


def _read(admin_id: str, user_id: str, reason: str) -> list[Excerpt]:
    with session_scope() as session:
        excerpts = admin.read_conversations(
            session=session, admin_id=admin_id, user_id=user_id, reason=reason
        )
    return [
        Excerpt(item.title, [ExcerptLine(role, text) for role, text in item.messages])
        for item in excerpts
    ]


def _set_suspension(admin_id: str, user_id: str, reason: str, suspend: bool) -> None:
    with session_scope() as session:
        change = suspension.suspend if suspend else suspension.unsuspend
        change(session=session, admin_id=admin_id, user_id=user_id, reason=reason)


class AdminState(SessionState):
    """What the console shows; empty for anyone who is not an admin."""

    checked: bool = False
    allowed: bool = False
    query: str = ""
    page: int = 0
    has_more: bool = False
    range_label: str = ""
    accounts: list[dict[str, str]] = []
    daily: list[dict[str, str | int]] = []
    errors: list[dict[str, str]] = []
    numbers: dict[str, str] = {}
    selected: dict[str, str] = {}
    reason_error: str = ""
    excerpts: list[Excerpt] = []
    suspension_open: bool = False
    suspension_error: str = ""
    notice: str = ""

    async def _admin_id(self) -> str | None:
        user = await self.current_user()
        if not admin.is_admin(user):
            self.reset()
            self.checked = True
            return None
        return user.id

    @rx.event
    async def load(self):
        """On-load: everything for admins, nothing (and "not found") for everyone else."""
        admin_id = await self._admin_id()
        if admin_id is None:
            return
        await self._refresh(admin_id)
        self.selected, self.excerpts, self.reason_error = {}, [], ""

    async def _refresh(self, admin_id: str) -> None:
        try:
            data = await asyncio.to_thread(_overview, admin_id, self.query, self.page)
        except NotFound:
            self.reset()
            self.checked = True
            return
        self.accounts, self.daily, self.errors = data["accounts"], data["daily"], data["errors"]
        self.has_more, self.range_label = data["has_more"], data["range_label"]
        self.numbers = {key: f"{value:,.0f}" for key, value in metrics.snapshot().items()}
        self.checked = self.allowed = True

    @rx.event
    async def search(self, form_data: dict):
        """Filter the accounts by address or name."""
        admin_id = await self._admin_id()
        if admin_id is None:
            return
        self.query, self.page = str(form_data.get("query", ""))[:100], 0
        await self._refresh(admin_id)

    @rx.event
    async def next_page(self):
        """The next (older) page of accounts."""
        admin_id = await self._admin_id()
        if admin_id is None or not self.has_more:
            return
        self.page += 1
        await self._refresh(admin_id)

    @rx.event
    async def previous_page(self):
        """The previous (newer) page of accounts."""
        admin_id = await self._admin_id()
        if admin_id is None or self.page == 0:
            return
        self.page -= 1
        await self._refresh(admin_id)

    @rx.event
    async def open_account(self, user_id: str):
        """Show one account's details (recorded on that person's audit trail)."""
        admin_id = await self._admin_id()
        if admin_id is None:
            return
        self.excerpts, self.reason_error, self.notice = [], "", ""
        try:
            self.selected = await asyncio.to_thread(_detail, admin_id, str(user_id)[:64])
        except NotFound:
            self.selected = {}

    @rx.event
    async def close_account(self):
        """Back to the list; whatever content was opened is dropped from the page."""
        self.selected, self.excerpts, self.reason_error, self.notice = {}, [], "", ""
        admin_id = await self._admin_id()
        if admin_id is not None:
            await self._refresh(admin_id)  # a suspension may have changed a row

    @rx.event
    def set_suspension_open(self, value: bool):
        """Open or close the "Suspend" / "Unsuspend" dialog."""
        self.suspension_open, self.suspension_error = bool(value), ""

    @rx.event
    async def change_suspension(self, form_data: dict):
        """Suspend the open account, or lift its suspension, with the stated reason."""
        admin_id = await self._admin_id()
        if admin_id is None or not self.selected:
            return
        suspend = not self.selected.get("suspended")
        reason = str(form_data.get("reason", ""))[:2000]
        try:
            await asyncio.to_thread(_set_suspension, admin_id, self.selected["id"], reason, suspend)
        except FieldErrors as problem:
            self.suspension_error = problem.errors.get("reason", "")
            return
        except NotFound:
            self.selected, self.suspension_open = {}, False
            return
        self.suspension_open = False
        self.notice = (
            "The account is suspended and its owner was emailed the reason."
            if suspend
            else "The suspension is lifted and the owner was emailed."
        )
        self.selected = await asyncio.to_thread(_detail, admin_id, self.selected["id"])

    @rx.event
    async def read_conversations(self, form_data: dict):
        """Open the person's conversations, with the reason recorded and shown to them."""
        admin_id = await self._admin_id()
        if admin_id is None or not self.selected:
            return
        self.reason_error = ""
        try:
            self.excerpts = await asyncio.to_thread(
                _read, admin_id, self.selected["id"], str(form_data.get("reason", ""))[:2000]
            )
        except FieldErrors as problem:
            self.reason_error = problem.errors.get("reason", "")
        except NotFound:
            self.selected, self.excerpts = {}, []
