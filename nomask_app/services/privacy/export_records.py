"""The records of a data export besides conversations and files, as JSON-ready dicts.

Long lists (security events, usage) are read a batch at a time, so they are
written to the archive as they are read.
"""

import json
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, col, select

from nomask_app.models import (
    BillingAccount,
    ConsentRecord,
    DataExport,
    SecurityEvent,
    UsageEvent,
    User,
    UserSession,
)
from nomask_app.services.accounts.sessions import describe_device
from nomask_app.services.accounts.verification import pending_email_change
from nomask_app.services.billing import subscriptions

BATCH = 500


def in_batches(session: Session, query, order_column) -> Iterator[Any]:
    """Rows of `query` a batch at a time, by keyset on a unique `order_column`."""
    last = None
    while True:
        page = query if last is None else query.where(order_column > last)
        rows = list(session.exec(page.order_by(order_column).limit(BATCH)))
        yield from rows
        if len(rows) < BATCH:
            return
        last = getattr(rows[-1], order_column.key)


def account(*, session: Session, user: User) -> dict[str, Any]:
    """account.json: the profile, preferences and requests we hold (never the password hash)."""
    exports = session.exec(
        select(DataExport).where(DataExport.user_id == user.id).order_by(col(DataExport.created_at))
    )
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
        "age_confirmed_at": user.age_confirmed_at,
        "email_verified_at": user.email_verified_at,
        "activated_at": user.activated_at,
        "pending_email_change": pending_email_change(session=session, user_id=user.id) or None,
        "preferences": {
            "default_model": user.default_model,
            "theme": user.theme,
            "product_updates": user.product_updates,
            # 0: conversations are kept until deleted; else deleted once untouched this long.
            "auto_delete_days": user.auto_delete_days,
            "auto_delete_since": user.auto_delete_since,
        },
        "data_exports": [
            {"id": row.id, "status": row.status, "created_at": row.created_at} for row in exports
        ],
    }


def sessions(*, session: Session, user_id: str) -> Iterator[dict[str, Any]]:
    """sessions.json: every signed-in browser with its IP address and device."""
    query = select(UserSession).where(UserSession.user_id == user_id)
    for row in in_batches(session, query, col(UserSession.id)):
        yield {
            "id": row.id,
            "created_at": row.created_at,
            "last_seen_at": row.last_seen_at,
            "expires_at": row.expires_at,
            "ip_address": row.ip_address,
            "device": row.device,
            "user_agent": row.user_agent,
        }


def consents(*, session: Session, user_id: str) -> Iterator[dict[str, Any]]:
    """consents.json: every recorded decision (policy, age, cookies, emails)."""
    query = select(ConsentRecord).where(ConsentRecord.user_id == user_id)
    for row in in_batches(session, query, col(ConsentRecord.id)):
        yield {
            "subject": row.subject,
            "choice": row.choice,
            "policy_version": row.policy_version,
            "consent_id": row.consent_id,
            "created_at": row.created_at,
        }


def security_events(*, session: Session, user_id: str) -> Iterator[dict[str, Any]]:
    """security_events.json: sign-ins, changes and other events, with IP and device."""
    query = select(SecurityEvent).where(SecurityEvent.user_id == user_id)
    for row in in_batches(session, query, col(SecurityEvent.id)):
        try:
            detail = json.loads(row.detail or "{}")
        except ValueError:
            detail = {}
        yield {
            "kind": row.kind,
            "created_at": row.created_at,
            "ip_address": row.ip_address,
            "device": describe_device(row.user_agent) if row.user_agent else "",
            "user_agent": row.user_agent,
            "detail": detail,
        }


def billing_head(*, session: Session, user_id: str) -> dict[str, Any]:
    """The start of billing.json: plan, status and Stripe ids (card details never reach us)."""
    status = subscriptions.billing_status(session=session, user_id=user_id)
    account_row = session.exec(
        select(BillingAccount).where(BillingAccount.user_id == user_id)
    ).first()
    stripe = None
    if account_row is not None:
        stripe = {
            "customer_id": account_row.stripe_customer_id,
            "subscription_id": account_row.stripe_subscription_id,
            "plan": account_row.plan,
            "status": account_row.status,
            "current_period_start": account_row.current_period_start,
            "current_period_end": account_row.current_period_end,
            "cancel_at_period_end": account_row.cancel_at_period_end,
            "past_due_since": account_row.past_due_since,
            "created_at": account_row.created_at,
        }
    return {
        "plan": {"id": status.plan.id, "name": status.plan.name},
        "payment_status": status.status,
        "billing_enabled": status.enabled,
        "stripe": stripe,
    }


def usage_events(*, session: Session, user_id: str) -> Iterator[dict[str, Any]]:
    """The usage part of billing.json: each answered message or generated image."""
    query = select(UsageEvent).where(UsageEvent.user_id == user_id)
    for row in in_batches(session, query, col(UsageEvent.id)):
        yield {
            "kind": row.kind,
            "model": row.model,
            "provider": row.provider,
            "prompt_tokens": row.prompt_tokens,
            "completion_tokens": row.completion_tokens,
            "cost_usd": row.cost_micro_usd / 1_000_000,
            "created_at": row.created_at,
        }
