"""The tombstone ledger in the bucket (NOMASK_FILE_STORE=s3): one ledger for every host."""

import json

import pytest
from sqlmodel import select

from nomask_app.config import get_settings
from nomask_app.db import session_scope
from nomask_app.integrations.object_store import ObjectStore, object_store
from nomask_app.models import AccountDeletion, User
from nomask_app.models.common import utcnow
from nomask_app.services.images import files
from nomask_app.services.privacy import account_deletion, privacy_sweep, tombstones
from nomask_app.states.privacy.deletion import _delete_account
from tests.factories import PASSWORD
from tests.fakes.s3_server import BUCKET
from tests.privacy_data import owned_rows, populate


def _delete(user_id: str) -> bool:
    with session_scope() as session:
        account_deletion.request_deletion(
            session=session, user_id=user_id, current_password=PASSWORD, confirmation="DELETE"
        )
    return privacy_sweep.finish_deletion(user_id)


def _tombstones(s3_server, prefix: str) -> set[str]:
    return {
        name.removeprefix(prefix)
        for name in s3_server.keys(prefix)
        if name.startswith(prefix + "tombstones/")
    }


def test_each_deletion_stores_one_object_with_the_id_and_time_only(session, s3_store, s3_server):
    alice = populate(session, name="Alice Tombstoned", email="tombstoned@example.com")
    before = utcnow()
    assert _delete(alice.id) is True
    assert _tombstones(s3_server, s3_store) == {f"tombstones/{alice.id}"}
    body = (
        s3_server.client()
        .get_object(Bucket=BUCKET, Key=f"{s3_store}tombstones/{alice.id}")["Body"]
        .read()
        .decode()
    )
    entry = json.loads(body)
    assert set(entry) == {"v", "user_id", "deleted_at"} and entry["user_id"] == alice.id
    assert "tombstoned" not in body.lower() and alice.secret not in body
    [tombstone] = tombstones.read()
    assert tombstone.user_id == alice.id
    # The bucket keeps the time to the second.
    assert before.replace(microsecond=0) <= tombstone.deleted_at <= utcnow()
    assert not tombstones.ledger_path().exists()  # nothing on this host's disk
    assert tombstones.location().startswith(f"s3://{BUCKET}/{s3_store}")


def test_an_unreachable_bucket_stops_the_deletion_before_anything_happens(
    session, s3_store, monkeypatch
):
    alice = populate(session, name="Alice Unrecorded", email="unrecorded@example.com")
    before = owned_rows(session, alice.id)
    monkeypatch.setenv("NOMASK_S3_BUCKET", "no-such-bucket")
    get_settings.cache_clear()
    object_store.cache_clear()
    with pytest.raises(tombstones.TombstoneUnwritable):
        _delete_account(alice.id, PASSWORD, "DELETE")
    session.expire_all()
    assert owned_rows(session, alice.id) == before  # not even signed out
    assert session.exec(select(AccountDeletion)).all() == []
    # Reading fails as a file's would: the sweep carries on without it.
    with pytest.raises(OSError):
        tombstones.ids()


def test_a_tombstone_that_fails_to_store_rolls_the_erasure_back_and_the_sweep_retries(
    session, s3_store, monkeypatch
):
    alice = populate(session, name="Alice Retried", email="retried@example.com")
    with session_scope() as scope:
        account_deletion.request_deletion(
            session=scope, user_id=alice.id, current_password=PASSWORD, confirmation="DELETE"
        )
    real_put = ObjectStore.put

    def refuse_tombstones(store, key, data):
        if key.startswith("tombstones/"):
            raise ConnectionError("the bucket went away")
        real_put(store, key, data)

    monkeypatch.setattr(ObjectStore, "put", refuse_tombstones)
    with pytest.raises(tombstones.TombstoneUnwritable):
        privacy_sweep.finish_deletion(alice.id)
    session.expire_all()
    assert session.get(User, alice.id) is not None  # every row is still there
    session.commit()

    monkeypatch.setattr(ObjectStore, "put", real_put)
    assert privacy_sweep.sweep().deletions_finished == 1
    session.expire_all()
    assert session.get(User, alice.id) is None
    assert tombstones.ids() == {alice.id}


def test_another_hosts_tombstone_is_enforced_and_no_orphan_sweep_removes_it(
    session, s3_store, s3_server
):
    """A database restored without our command, and a tombstone another host wrote."""
    alice = populate(session, name="Alice Returned", email="returned@example.com")
    bob = populate(session, name="Bob Kept", email="kept@example.com")
    s3_server.client().put_object(
        Bucket=BUCKET, Key=f"{s3_store}tombstones/{alice.id}", Body=b'{"v": 1}\n'
    )
    result = privacy_sweep.sweep()
    assert result.erased_again == 1
    session.expire_all()
    assert session.get(User, alice.id) is None and session.get(User, bob.id) is not None
    assert privacy_sweep.sweep().erased_again == 0
    # Tombstones are neither stored files nor export archives, however old.
    files.sweep_orphans(session=session)
    assert _tombstones(s3_server, s3_store) == {f"tombstones/{alice.id}"}


def test_a_ledger_file_from_before_the_bucket_still_counts(session, s3_store, s3_server):
    alice = populate(session, name="Alice Earlier", email="earlier@example.com")
    path = tombstones.ledger_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {"v": 1, "user_id": alice.id, "deleted_at": utcnow().isoformat()}
    path.write_text(json.dumps(entry) + "\n")
    tombstones.record("b" * 32, utcnow())  # new ones go to the bucket only
    assert path.read_text().count("\n") == 1
    assert tombstones.ids() == {alice.id, "b" * 32}
    assert privacy_sweep.sweep().erased_again == 1
    session.expire_all()
    assert session.get(User, alice.id) is None
