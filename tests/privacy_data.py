"""An account with data in every table, and tools to find everything that belongs to it.

The deletion proof (tests/services/privacy/test_erasure.py) and the export tests
build accounts with `populate`. When a new table references `users`, add rows
for it here: the proof fails, naming the table, until the fixture covers it.
"""

import io
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
from PIL import Image
from sqlalchemy import Table, select
from sqlmodel import Session, SQLModel

from nomask_app.models import AccountDeletion, BillingAccount, User
from nomask_app.services.accounts import account_tokens, profile, sessions, twofactor
from nomask_app.services.billing.subscriptions import get_account, start_checkout
from nomask_app.services.billing.usage import record_usage
from nomask_app.services.chat import branches, conversations, replies
from nomask_app.services.images import files
from nomask_app.services.operations.audit import record_event
from nomask_app.services.privacy import consent, export_jobs, exports, provider_ledger
from tests.factories import PASSWORD, make_user, post_message

USERS = "users"


def png(color=(200, 30, 90), size=(24, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class Account:
    """A populated account and the values that identify its data."""

    user: User
    id: str
    email: str
    name: str
    consent_id: str
    new_email: str
    secret: str
    conversation_ids: list[str] = field(default_factory=list)
    file_paths: list[Path] = field(default_factory=list)
    export_id: str = ""


def _turn(session: Session, user: User, text: str, attachment_ids=()) -> conversations.Turn:
    turn = post_message(session, user, text, attachment_ids=tuple(attachment_ids))
    provider_ledger.record(  # what replies.start_turn records before the provider is called
        session=session,
        user_id=user.id,
        provider="openai",
        model="custom/fake-a",
        conversation_id=turn.conversation.id,
        reply_message_id=turn.reply.id,
        message_ids=[turn.user_message.id],
        file_ids=list(attachment_ids),
    )
    replies.finish_reply(  # ends the reply, its provider record and counts usage
        session=session,
        message_id=turn.reply.id,
        content=f"Answer to: {text}",
        status="complete",
        deployment="fake-a",
        provider="openai",
        prompt_tokens=12,
        completion_tokens=7,
        cost_usd=0.0021,
    )
    return turn


def populate(
    session: Session, *, name: str, email: str, stripe=None, marked: bool = False
) -> Account:
    """Sign up `email` and give it rows in every table that can hold a person's data.

    Args:
        session: The test session (committed at the end).
        name: The person's name (keep it unique in a test: the proof looks for it).
        email: Their address.
        stripe: The fake Stripe, to give the account a customer and a live subscription.
        marked: Also leave an `AccountDeletion` mark, as an interrupted deletion would.
    """
    user = make_user(session, name=name, email=email)  # consents, event, verification token
    secret = f"secret-of-{user.id[:8]}"
    cookie_id = consent.record_cookie_choice(session=session, choice="essential").consent_id
    consent.record_cookie_choice(
        session=session, choice="all", consent_id=cookie_id, user_id=user.id
    )
    sessions.create_session(
        session=session, user_id=user.id, ip_address="203.0.113.7", user_agent="Firefox/128.0"
    )
    sessions.issue_login_ticket(session=session, user_id=user.id, next_path="/privacy")
    new_email = f"new-{email}"
    profile.request_email_change(
        session=session, user_id=user.id, new_email=new_email, current_password=PASSWORD
    )
    account_tokens.issue_token(
        session=session, user_id=user.id, purpose=account_tokens.RESET_PASSWORD, email=user.email
    )
    enrolment = twofactor.start_enrolment(session=session, user_id=user.id)
    twofactor.confirm_enrolment(
        session=session, user_id=user.id, code=pyotp.TOTP(enrolment.secret).now()
    )  # a secret and ten recovery codes
    record_event(
        session=session, kind="signin.succeeded", user_id=user.id, ip_address="203.0.113.7"
    )

    upload = files.store_bytes(
        session=session,
        user_id=user.id,
        data=png(),
        filename="holiday <photo>.png",
        content_type="image/png",
        width=24,
        height=16,
    )
    session.flush()
    first = _turn(session, user, f"Look at this, {secret} <script>alert(1)</script>", [upload.id])
    second = _turn(session, user, f"Another chat about {secret}")
    # "Regenerate": the first reply stays as an earlier version, off the shown path.
    again = branches.regenerate_last_reply(
        session=session,
        user_id=user.id,
        conversation_id=second.conversation.id,
        model_id="custom/fake-a",
    )
    replies.finish_reply(
        session=session, message_id=again.reply.id, content=f"Again: {secret}", status="complete"
    )
    generated = files.store_bytes(
        session=session,
        user_id=user.id,
        data=png((10, 120, 60)),
        filename="generated.png",
        content_type="image/png",
        kind="generated",
        width=24,
        height=16,
    )
    generated.prompt, generated.model, generated.image_size = f"a {secret}", "demo", "24x16"
    session.flush()
    edited = files.store_bytes(
        session=session,
        user_id=user.id,
        data=png((10, 10, 200)),
        filename="edited.png",
        content_type="image/png",
        kind="edited",
        source_file_id=generated.id,
    )
    notes = files.store_bytes(
        session=session,
        user_id=user.id,
        data=f"notes {secret}".encode(),
        filename="notes.txt",
        content_type="text/plain",
        conversation_id=second.conversation.id,
    )
    record_usage(
        session=session,
        user_id=user.id,
        kind="message",
        model="custom/fake-a",
        provider="openai",
        prompt_tokens=12,
        completion_tokens=7,
        cost=0.0021,
    )
    if stripe is not None:
        start_checkout(session=session, user_id=user.id, plan_id="plus")
        session.commit()
        checkout = next(
            c
            for c in stripe.checkout_sessions.values()
            if c["customer"] == get_account(session=session, user_id=user.id).stripe_customer_id
        )
        _, subscription = stripe.complete_checkout(checkout["id"])
        billing_row = get_account(session=session, user_id=user.id)
        billing_row.stripe_subscription_id, billing_row.status = subscription["id"], "active"
        billing_row.plan = "plus"
    else:
        billing_row = BillingAccount(user_id=user.id, plan="", status="none")
    session.add(billing_row)
    if marked:
        session.add(AccountDeletion(user_id=user.id))
    session.commit()

    export = exports.request_export(session=session, user_id=user.id)
    session.commit()
    assert export_jobs.build(export.id)
    rows = (upload, generated, edited, notes)
    return Account(
        user=user,
        id=user.id,
        email=user.email,
        name=user.name,
        consent_id=cookie_id,
        new_email=new_email,
        secret=secret,
        conversation_ids=[first.conversation.id, second.conversation.id],
        file_paths=[files.path_for(r.storage_key) for r in rows]
        + [exports.archive_path(export.id)],
        export_id=export.id,
    )


# ----- finding what belongs to whom ------------------------------------------------------


def referencing_tables(metadata) -> list[Table]:
    """Tables that reference `users` directly or through other tables."""
    found: dict[str, Table] = {}
    changed = True
    while changed:
        changed = False
        for table in metadata.sorted_tables:
            if table.name in found or table.name == USERS:
                continue
            targets = {fk.column.table.name for fk in table.foreign_keys}
            if USERS in targets or targets & set(found):
                found[table.name] = table
                changed = True
    return list(found.values())


def owned_rows(session: Session, user_id: str) -> dict[str, list[dict]]:
    """Every row reachable from the account through foreign keys, by table."""
    metadata = SQLModel.metadata
    owned: dict[str, dict[tuple, dict]] = {USERS: {}}
    users = metadata.tables[USERS]
    for row in session.connection().execute(select(users).where(users.c.id == user_id)).mappings():
        owned[USERS][(row["id"],)] = dict(row)
    changed = True
    while changed:
        changed = False
        for table in metadata.sorted_tables:
            keys = [c.name for c in table.primary_key.columns]
            for fk in table.foreign_keys:
                parents = owned.get(fk.column.table.name, {})
                values = {row[fk.column.name] for row in parents.values()} - {None}
                if not values:
                    continue
                query = select(table).where(fk.parent.in_(values))
                for row in session.connection().execute(query).mappings():
                    key = tuple(row[k] for k in keys)
                    if key not in owned.setdefault(table.name, {}):
                        owned[table.name][key] = dict(row)
                        changed = True
    return {name: sorted(rows.values(), key=repr) for name, rows in owned.items() if rows}


def all_rows(session: Session) -> dict[str, list[dict]]:
    """Every row of every table of the schema."""
    connection = session.connection()
    return {
        table.name: [dict(row) for row in connection.execute(select(table)).mappings()]
        for table in SQLModel.metadata.sorted_tables
    }


def stored_files_on_disk(data_dir: Path) -> set[Path]:
    """Every file in the private file store and the exports folder."""
    return {
        path
        for folder in (data_dir / "files", data_dir / "exports")
        if folder.exists()
        for path in folder.rglob("*")
        if path.is_file()
    }
