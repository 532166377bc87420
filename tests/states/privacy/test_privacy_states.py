"""What the privacy center's states compute (their data, without a browser)."""

from sqlmodel import select

from nomask_app.models import AccountDeletion, User
from nomask_app.services.operations import admin
from nomask_app.services.operations.audit import record_event
from nomask_app.services.privacy import erasure
from nomask_app.states.privacy.center import _events, _summary
from nomask_app.states.privacy.deletion import _delete_account
from nomask_app.states.privacy.export import _latest
from nomask_app.states.privacy.policy_notice import _pending
from tests.factories import PASSWORD, make_user
from tests.privacy_data import populate


def test_the_overview_counts_what_we_hold_and_pages_the_events(session):
    alice = populate(session, name="Alice Counted", email="counted@example.com")
    summary = _summary(alice.id)
    assert summary["conversations"] == "2" and summary["messages"] == "4"
    assert summary["files"] == "4 (3 images)"
    assert (summary["plan_name"], summary["payment_status"]) == (
        "No limits",
        "No subscription",
    )  # billing off
    _, before = _events(alice.id, 0)
    for _ in range(25):
        record_event(session=session, kind="custom.kind", user_id=alice.id, ip_address="192.0.2.1")
    session.commit()
    first, total = _events(alice.id, 0)
    assert total == before + 25 and len(first) == 20
    assert first[0]["label"] == "custom.kind"  # unknown kinds are shown as recorded
    last, _ = _events(alice.id, 1)
    assert [e["label"] for e in last][-1] == "Account created"  # newest first


def test_the_person_reads_the_reason_an_admin_gave_for_reading_their_conversations(session):
    person = make_user(session, email="read@example.com")
    boss = make_user(session, email="boss@example.com")
    boss.role = "admin"
    session.add(boss)
    session.commit()
    admin.read_conversations(
        session=session,
        admin_id=boss.id,
        user_id=person.id,
        reason="Abuse report #42 about this account",
    )
    session.commit()
    rows, _ = _events(person.id, 0)
    read = next(r for r in rows if r["label"] == "An administrator read your conversations")
    assert read["note"] == "Reason given: “Abuse report #42 about this account”"
    assert boss.id not in str(rows)  # never who it was
    # Other events carry no note.
    assert {r["note"] for r in rows if r is not read} == {""}


def test_the_latest_export_view_says_when_it_is_ready_until(session):
    alice = populate(session, name="Alice Viewed", email="viewed@example.com")
    view = _latest(alice.id)
    assert view["status"] == "ready" and view["export_id"] == alice.export_id
    assert view["ready_text"].startswith("Your export is ready (")
    assert "UTC; then we delete it." in view["ready_text"]
    assert _latest(make_user(session).id)["status"] == ""


def test_a_deletion_that_cannot_finish_now_stays_marked_for_the_sweep(session, monkeypatch):
    alice = populate(session, name="Alice Pending", email="pending@example.com")

    def broken(*_args):
        raise OSError("database went away")

    monkeypatch.setitem(erasure.ERASERS, "messages", broken)
    assert _delete_account(alice.id, PASSWORD, "DELETE") is False
    session.expire_all()
    assert session.get(User, alice.id) is not None
    assert session.exec(select(AccountDeletion.user_id)).all() == [alice.id]


def test_no_policy_banner_before_anything_is_published(session):
    assert _pending(make_user(session).id) == ("", "")
