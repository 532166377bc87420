"""Job leases: of several instances exactly one runs each job; a dead one's job is taken over.

Runs on SQLite and, with NOMASK_TEST_DATABASE_URL, on PostgreSQL (the `engine` fixture).
"""

import threading
from datetime import timedelta

from nomask_app.models import DataExport, JobLease, User
from nomask_app.models.common import utcnow
from nomask_app.services.operations import leases
from nomask_app.services.privacy import (
    account_deletion,
    erasure,
    export_jobs,
    exports,
    privacy_sweep,
)
from tests.factories import PASSWORD, make_user

TTL = timedelta(minutes=1)


def _race(name: str, owners: list[str]) -> list[str]:
    """Every owner claims `name` at the same moment; return the winners."""
    start, winners = threading.Barrier(len(owners)), []

    def claim(owner: str) -> None:
        start.wait()
        if leases.claim(name, ttl=TTL, owner=owner):
            winners.append(owner)

    threads = [threading.Thread(target=claim, args=(owner,)) for owner in owners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return winners


def test_of_claimers_racing_exactly_one_wins(engine):
    for round_ in range(5):
        assert len(_race(f"race-{round_}", ["host-a", "host-b", "host-c"])) == 1
    # Once the row exists and its lease ran out: still one.
    for name in ("race-1", "race-2"):
        with engine.begin() as connection:
            connection.execute(
                JobLease.__table__.update()
                .where(JobLease.__table__.c.name == name)
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
        assert len(_race(name, ["host-a", "host-b"])) == 1


def test_a_held_lease_is_refused_and_an_expired_one_taken_over(engine, monkeypatch):
    assert leases.claim("job", ttl=TTL, owner="dead-host")
    assert not leases.claim("job", ttl=TTL, owner="live-host")
    assert not leases.renew("job", ttl=TTL, owner="live-host")
    assert leases.renew("job", ttl=TTL, owner="dead-host")  # renewing keeps it
    later = utcnow() + TTL + timedelta(seconds=1)
    monkeypatch.setattr(leases, "utcnow", lambda: later)
    assert leases.claim("job", ttl=TTL, owner="live-host")  # the dead host stopped renewing
    assert not leases.renew("job", ttl=TTL, owner="dead-host")  # and cannot take it back


def test_held_releases_after_the_block_and_renews_during_it(engine):
    with leases.held("block", ttl=timedelta(seconds=3), owner="a") as mine:
        assert mine
        with leases.held("block", ttl=TTL, owner="b") as theirs:
            assert not theirs
        before = _expiry(engine, "block")
        threading.Event().wait(1.2)  # a heartbeat (every second)
        assert _expiry(engine, "block") > before
        assert not leases.claim("block", ttl=TTL, owner="b")  # renewed: not run out
    assert leases.claim("block", ttl=TTL, owner="b")  # released at the end


def _expiry(engine, name):
    with engine.connect() as connection:
        table = JobLease.__table__
        return connection.execute(table.select().where(table.c.name == name)).one().expires_at


def test_the_sweep_runs_once_per_period_across_instances(engine, monkeypatch):
    ran = []
    monkeypatch.setattr(privacy_sweep, "sweep", lambda scrub=False: ran.append(scrub) or "done")
    monkeypatch.setattr(leases, "INSTANCE", "host-a")
    assert privacy_sweep.sweep_if_due(scrub=True) == "done"
    # Host B, and host A itself, a minute later: swept already.
    for owner in ("host-b", "host-a"):
        assert leases.claim(privacy_sweep.SWEEP_JOB, ttl=TTL, owner=owner) is False
    assert privacy_sweep.sweep_if_due() is None
    assert ran == [True]
    # A period later, whichever instance comes first sweeps.
    later = utcnow() + timedelta(minutes=11)
    monkeypatch.setattr(leases, "utcnow", lambda: later)
    assert leases.claim(privacy_sweep.SWEEP_JOB, ttl=TTL, owner="host-b")


def test_a_dead_instances_export_is_built_by_the_next_sweep(session):
    user = make_user(session)
    export = exports.request_export(session=session, user_id=user.id)
    export.status, export.updated_at = "running", utcnow() - timedelta(minutes=5)
    session.commit()
    # Its builder holds the lease and is alive: nobody else builds it.
    assert leases.claim(export_jobs.lease_name(user.id, export.id), ttl=TTL, owner="host-a")
    assert privacy_sweep.sweep().exports_resumed == 0
    session.expire_all()
    assert session.get(DataExport, export.id).status == "running"
    # Host A died: its lease runs out, and the sweep builds the export.
    leases.release(export_jobs.lease_name(user.id, export.id), owner="host-a", keep_until=utcnow())
    assert privacy_sweep.sweep().exports_resumed == 1
    session.expire_all()
    assert session.get(DataExport, export.id).status == "ready"


def _mark_for_deletion(session, user_id: str) -> None:
    account_deletion.request_deletion(
        session=session,
        user_id=user_id,
        current_password=PASSWORD,
        confirmation=account_deletion.CONFIRMATION,
    )
    session.commit()


def test_a_deletion_another_instance_is_running_is_left_to_it(session):
    user = make_user(session)
    user_id = user.id
    _mark_for_deletion(session, user_id)
    assert leases.claim(erasure.deletion_lease(user_id), ttl=TTL, owner="host-b")
    assert privacy_sweep.finish_deletion(user_id) is False
    session.expire_all()
    assert session.get(User, user_id) is not None
    assert account_deletion.pending(session=session) == [user_id]
    leases.release(erasure.deletion_lease(user_id), owner="host-b")
    assert privacy_sweep.finish_deletion(user_id) is True
    session.expire_all()
    assert session.get(User, user_id) is None


def test_deleting_an_account_deletes_the_leases_named_after_it(session, engine):
    user, other = make_user(session), make_user(session)
    user_id, other_id = user.id, other.id
    _mark_for_deletion(session, user_id)
    for name in (
        export_jobs.lease_name(user_id, "e" * 32),
        export_jobs.lease_name(other_id, "f" * 32),
    ):
        assert leases.claim(name, ttl=TTL, owner="dead-host")
    assert privacy_sweep.finish_deletion(user_id) is True
    with engine.connect() as connection:
        names = set(connection.execute(JobLease.__table__.select()).scalars())
    assert names == {export_jobs.lease_name(other_id, "f" * 32)}
