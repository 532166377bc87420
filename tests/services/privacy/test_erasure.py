"""Proof that deleting an account leaves nothing of it, in any table or on disk (policy §4).

The proof walks `SQLModel.metadata`, so it covers tables added later: a table
that references `users` must be registered in services/privacy/erasure.py and filled
by tests/privacy_data.populate, or these tests fail and say which table.
"""

import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import Column, ForeignKey, MetaData, String, Table, text
from sqlmodel import SQLModel, select

from nomask_app.config import get_settings
from nomask_app.db import session_scope
from nomask_app.integrations.stripe import StripeUnavailable
from nomask_app.models import AccountDeletion, ConsentRecord, SecurityEvent, User, UserSession
from nomask_app.models.common import utcnow
from nomask_app.services.accounts.accounts import authenticate
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.operations import audit, emails
from nomask_app.services.privacy import account_deletion, erasure, privacy_sweep
from tests.factories import PASSWORD, make_user, start_sign_up
from tests.fakes.stripe_server import use_fake_stripe
from tests.mail import body, outbox, sent
from tests.privacy_data import (
    all_rows,
    owned_rows,
    populate,
    referencing_tables,
    stored_files_on_disk,
)


@pytest.fixture
def stripe(engine, monkeypatch):
    fake = use_fake_stripe(monkeypatch)
    yield fake
    get_settings.cache_clear()


def unregistered_tables(metadata: MetaData) -> list[str]:
    """Tables nobody decided about, and tables referencing users without an eraser."""
    problems = [
        f"{table.name} (references users but has no eraser)"
        for table in referencing_tables(metadata)
        if table.name not in erasure.ERASERS
    ]
    problems += [
        f"{table.name} (neither in ERASERS nor in KEPT)"
        for table in metadata.sorted_tables
        if table.name not in erasure.ERASERS and table.name not in erasure.KEPT
    ]
    return sorted(set(problems))


def uncovered_tables(session, user_id: str) -> list[str]:
    """Tables referencing users in which the fixture put no row of `user_id`."""
    owned = owned_rows(session, user_id)
    return sorted(t.name for t in referencing_tables(SQLModel.metadata) if t.name not in owned)


def _fingerprints(session, account) -> set[str]:
    """Values that identify the person: ids, hashes, keys, addresses, names."""
    values = {account.id, account.email, account.name, account.new_email}
    values |= {account.consent_id, account.secret}
    for table_name, rows in owned_rows(session, account.id).items():
        table = SQLModel.metadata.tables[table_name]
        identifying = [c.name for c in table.columns if c.primary_key or c.unique or c.foreign_keys]
        for row in rows:
            values |= {row[name] for name in identifying if isinstance(row[name], str)}
    return values - {""}


def _mentions(rows_by_table: dict[str, list[dict]], fingerprints: set[str], words: set[str]):
    """(table, column, value) for every value equal to a fingerprint or containing a word."""
    found = []
    for table, rows in rows_by_table.items():
        for row in rows:
            for column, value in row.items():
                if not isinstance(value, str):
                    continue
                if value in fingerprints or any(word in value for word in words):
                    found.append((table, column, value))
    return found


def _delete(user_id: str) -> bool:
    with session_scope() as session:
        account_deletion.request_deletion(
            session=session, user_id=user_id, current_password=PASSWORD, confirmation="DELETE"
        )
    return privacy_sweep.finish_deletion(user_id)


def test_every_table_is_registered_for_deletion_or_kept_with_a_reason():
    assert unregistered_tables(SQLModel.metadata) == [], (
        "Register these tables in nomask_app/services/privacy/erasure.py (ERASERS, or KEPT with "
        "the reason they hold no personal data)"
    )
    kept_with_users = set(erasure.KEPT) & {t.name for t in referencing_tables(SQLModel.metadata)}
    assert kept_with_users == set(), "a table that references users cannot be kept"
    assert set(erasure.ERASERS) | set(erasure.KEPT) <= set(SQLModel.metadata.tables)


def test_the_registry_check_catches_a_new_table_that_references_users():
    metadata = MetaData()
    for table in SQLModel.metadata.sorted_tables:
        table.to_metadata(metadata)
    Table(
        "example_secrets",
        metadata,
        Column("id", String(32), primary_key=True),
        Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE")),
    )
    Table(
        "example_codes",  # references users only through another table
        metadata,
        Column("id", String(32), primary_key=True),
        Column("secret_id", String(32), ForeignKey("example_secrets.id")),
    )
    Table("example_hits", metadata, Column("key", String(64), primary_key=True))
    assert unregistered_tables(metadata) == [
        "example_codes (neither in ERASERS nor in KEPT)",
        "example_codes (references users but has no eraser)",
        "example_hits (neither in ERASERS nor in KEPT)",
        "example_secrets (neither in ERASERS nor in KEPT)",
        "example_secrets (references users but has no eraser)",
    ]


def test_deleting_an_account_leaves_nothing_of_it_and_keeps_the_other(session, stripe):
    alice = populate(
        session, name="Alice Leaving", email="alice@example.com", stripe=stripe, marked=True
    )
    bob = populate(session, name="Bob Staying", email="bob@example.com", stripe=stripe)
    assert uncovered_tables(session, alice.id) == [], (
        "tests/privacy_data.populate puts no row of the deleted user in these tables; "
        "add some, so the deletion proof covers them"
    )
    alice_billing = owned_rows(session, alice.id)["billing_accounts"][0]
    bob_billing = owned_rows(session, bob.id)["billing_accounts"][0]
    fingerprints = _fingerprints(session, alice)
    bob_before = owned_rows(session, bob.id)
    on_disk = stored_files_on_disk(get_settings().resolve_path(get_settings().data_dir))
    assert set(alice.file_paths) <= on_disk and set(bob.file_paths) <= on_disk
    session.commit()

    assert _delete(alice.id) is True

    session.expire_all()
    leftovers = _mentions(all_rows(session), fingerprints, {alice.id, alice.email})
    assert leftovers == [], "the deleted person's data is still in the database"
    assert owned_rows(session, bob.id) == bob_before
    # Only an anonymous count of the deletion remains for the operators.
    [gone] = session.exec(select(SecurityEvent).where(SecurityEvent.kind == audit.ACCOUNT_DELETED))
    assert (gone.user_id, gone.ip_address, gone.user_agent, gone.detail) == (None, "", "", "{}")
    on_disk_after = stored_files_on_disk(get_settings().resolve_path(get_settings().data_dir))
    assert on_disk_after == set(bob.file_paths)
    # Stripe: the subscription was canceled and the customer deleted; Bob's stay.
    assert alice_billing["stripe_customer_id"] not in stripe.customers
    assert stripe.calls("DELETE", f"/v1/subscriptions/{alice_billing['stripe_subscription_id']}")
    assert bob_billing["stripe_customer_id"] in stripe.customers
    # The full-text index forgot the messages too.
    if session.get_bind().dialect.name == "sqlite":
        hits = session.connection().execute(
            text("SELECT rowid FROM message_search WHERE message_search MATCH :q"),
            {"q": f'"{alice.secret}"'},
        )
        assert hits.all() == []
    # The confirmation went to the address, and says nothing of the conversations.
    [confirmation] = sent(emails.ACCOUNT_DELETED, to="alice@example.com")
    assert "deleted" in body(confirmation)
    assert alice.secret not in body(confirmation)
    assert sent(emails.ACCOUNT_DELETED, to="bob@example.com") == []


def test_wrong_password_or_missing_confirmation_deletes_nothing(session, stripe):
    alice = populate(session, name="Alice Careful", email="careful@example.com", stripe=stripe)
    before = owned_rows(session, alice.id)
    calls = len(stripe.requests)
    for password, confirmation, field, message in (
        ("wrong-password-123", "DELETE", "current_password", "not correct"),
        ("", "DELETE", "current_password", "Enter your current password"),
        (PASSWORD, "delete", "confirmation", "Type DELETE"),
        (PASSWORD, "", "confirmation", "Type DELETE"),
    ):
        with pytest.raises(FieldErrors) as caught, session_scope() as scope:
            account_deletion.request_deletion(
                session=scope,
                user_id=alice.id,
                current_password=password,
                confirmation=confirmation,
            )
        assert message in caught.value.errors[field]
    session.expire_all()
    assert owned_rows(session, alice.id) == before
    assert len(stripe.requests) == calls  # Stripe was not even asked


def test_stripe_unreachable_stops_the_deletion_before_anything_goes(session, stripe):
    alice = populate(session, name="Alice Waiting", email="waiting@example.com", stripe=stripe)
    before = owned_rows(session, alice.id)
    stripe.outage = True
    with pytest.raises(StripeUnavailable), session_scope() as scope:
        account_deletion.request_deletion(
            session=scope, user_id=alice.id, current_password=PASSWORD, confirmation="DELETE"
        )
    session.expire_all()
    assert owned_rows(session, alice.id) == before
    assert session.exec(select(AccountDeletion)).all() == []
    stripe.outage = False
    assert _delete(alice.id) is True
    assert session.get(User, alice.id) is None


def test_an_interrupted_deletion_is_finished_by_the_sweep(session, stripe, monkeypatch):
    alice = populate(session, name="Alice Crashed", email="crashed@example.com", stripe=stripe)
    bob = populate(session, name="Bob Fine", email="fine@example.com")
    with session_scope() as scope:
        account_deletion.request_deletion(
            session=scope, user_id=alice.id, current_password=PASSWORD, confirmation="DELETE"
        )
    # Marked and signed out everywhere before any row goes.
    assert session.exec(select(UserSession).where(UserSession.user_id == alice.id)).all() == []
    assert session.exec(select(AccountDeletion.user_id)).all() == [alice.id]
    # Nor can the right password sign in again while the deletion is pending.
    assert authenticate(session=session, email="crashed@example.com", password=PASSWORD) is None
    assert authenticate(session=session, email="fine@example.com", password=PASSWORD) is not None

    def crash(*_args):
        raise RuntimeError("the process died here")

    messages_eraser = erasure.ERASERS["messages"]
    monkeypatch.setitem(erasure.ERASERS, "messages", crash)
    with pytest.raises(RuntimeError):
        privacy_sweep.finish_deletion(alice.id)
    session.expire_all()
    assert session.get(User, alice.id) is not None  # rolled back: all or nothing
    assert sent(emails.ACCOUNT_DELETED) == []

    monkeypatch.setitem(erasure.ERASERS, "messages", messages_eraser)
    # The process also dies after the commit, before the files were removed.
    remove_files = privacy_sweep.remove_files
    monkeypatch.setattr(privacy_sweep, "remove_files", lambda paths: None)
    assert privacy_sweep.finish_deletion(alice.id) is True
    monkeypatch.setattr(privacy_sweep, "remove_files", remove_files)
    data_dir = get_settings().resolve_path(get_settings().data_dir)
    left = stored_files_on_disk(data_dir) - set(bob.file_paths)
    assert left == set(alice.file_paths)
    # Bytes this recent may belong to an upload not committed yet: spared for now.
    assert privacy_sweep.sweep().orphans_removed == 0
    hour_ago = time.time() - 2 * 3600
    for path in left:
        os.utime(path, (hour_ago, hour_ago))
    result = privacy_sweep.sweep()
    assert result.orphans_removed == len(left)
    assert stored_files_on_disk(data_dir) == set(bob.file_paths)
    assert len(sent(emails.ACCOUNT_DELETED, to="crashed@example.com")) == 1


def test_the_sweep_resumes_a_marked_deletion(session, stripe):
    alice = populate(
        session, name="Alice Marked", email="marked@example.com", stripe=stripe, marked=True
    )
    result = privacy_sweep.sweep()
    assert (result.deletions_finished, result.deletions_pending) == (1, 0)
    session.expire_all()
    assert session.get(User, alice.id) is None
    assert session.exec(select(AccountDeletion)).all() == []


def test_a_pending_deletion_waits_for_stripe_and_finishes_later(session, stripe):
    alice = populate(
        session, name="Alice Patient", email="patient@example.com", stripe=stripe, marked=True
    )
    stripe.outage = True
    assert privacy_sweep.sweep().deletions_pending == 1
    session.expire_all()
    assert session.get(User, alice.id) is not None
    stripe.outage = False
    assert privacy_sweep.sweep().deletions_finished == 1


def test_an_unregistered_table_stops_deletion_instead_of_leaving_data(session, monkeypatch):
    alice = populate(session, name="Alice Blocked", email="blocked@example.com")
    monkeypatch.delitem(erasure.ERASERS, "usage_events")
    with pytest.raises(RuntimeError, match="usage_events"), session_scope() as scope:
        erasure.erase_rows(session=scope, user_id=alice.id)
    session.expire_all()
    assert session.get(User, alice.id) is not None


def test_the_sweep_removes_sign_ups_nobody_finished_within_a_week(session):
    old = start_sign_up(session, email="old-unfinished@example.com")
    recent = start_sign_up(session, email="recent@example.com")
    old.created_at = utcnow() - timedelta(days=8)
    session.add(old)
    finished = make_user(session, email="finished@example.com")
    finished.created_at = utcnow() - timedelta(days=30)
    session.add(finished)
    session.commit()
    old_id, kept = old.id, {recent.id, finished.id}
    before = len(outbox())
    assert privacy_sweep.sweep().unfinished_sign_ups_removed == 1
    session.expire_all()
    remaining = set(session.exec(select(User.id)).all())
    assert old_id not in remaining and kept <= remaining
    assert session.exec(select(ConsentRecord).where(ConsentRecord.user_id == old_id)).all() == []
    assert len(outbox()) == before  # nothing to an address nobody proved
