"""What the privacy center's states compute (their data, without a browser)."""

from sqlmodel import delete, select

from nomask_app.db import session_scope
from nomask_app.models import AccountDeletion, Conversation, ProviderRequest, User
from nomask_app.services.accounts import sessions
from nomask_app.services.chat import conversations
from nomask_app.services.operations import admin
from nomask_app.services.operations.audit import record_event
from nomask_app.services.privacy import erasure
from nomask_app.states.accounts.settings import SettingsState
from nomask_app.states.privacy.center import PrivacyState, _events, _summary
from nomask_app.states.privacy.deletion import DeletionState, _delete_account
from nomask_app.states.privacy.export import _latest
from nomask_app.states.privacy.policy_notice import _pending
from nomask_app.states.privacy.providers import DELETED, ProvidersState
from nomask_app.states.privacy.retention import RetentionState
from tests.factories import PASSWORD, make_user
from tests.privacy_data import populate
from tests.states.harness import root_state, run, substate


def test_the_overview_counts_what_we_hold_and_pages_the_events(session):
    alice = populate(session, name="Alice Counted", email="counted@example.com")
    summary = _summary(alice.id)
    assert summary["conversations"] == "2" and summary["messages"] == "5"
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


async def test_after_deleting_the_account_the_tab_forgets_everything_it_held(session):
    """Reflex keeps a tab's states for an hour (disk or Redis): they must not keep the person."""
    alice = make_user(session, name="Alice Forgotten", email="forgotten@example.com")
    _, token = sessions.create_session(session=session, user_id=alice.id)
    session.commit()
    root = root_state(token=token, path="/privacy")
    privacy = substate(root, PrivacyState)
    await run(privacy, PrivacyState.load)
    settings_view = substate(root, SettingsState)
    settings_view.name = "Alice Forgotten"
    deletion = substate(root, DeletionState)
    assert (privacy.user_email, privacy.loaded) == ("forgotten@example.com", True)

    await run(deletion, DeletionState.forget_deleted_account)  # nothing deleted yet: no effect
    assert privacy.loaded and settings_view.name == "Alice Forgotten"

    form = {"current_password": PASSWORD, "confirmation": "DELETE"}
    await run(deletion, DeletionState.delete_account, form)
    assert deletion.account_deleted.startswith("Your account is deleted")
    await run(deletion, DeletionState.forget_deleted_account)
    assert (privacy.user_email, privacy.user_name, privacy.loaded) == ("", "", False)
    assert (privacy.events, settings_view.name, deletion.account_deleted) == ([], "", "")


async def test_the_privacy_center_handler_saves_a_choice_and_refuses_others(session):
    alice = make_user(session)
    _, token = sessions.create_session(session=session, user_id=alice.id)
    session.commit()
    state = substate(root_state(token=token, path="/privacy"), RetentionState)
    await run(state, RetentionState.load)
    assert state.auto_delete == "0" and state.auto_delete_status.startswith("Off:")
    await run(state, RetentionState.choose_auto_delete, "30")
    assert state.auto_delete == "30" and "30 days" in state.auto_delete_status
    for forged in ("45", "thirty", "1e9"):
        await run(state, RetentionState.choose_auto_delete, forged)
        assert state.auto_delete_error == "Choose Never, or after 30, 90 or 365 days."
        assert state.auto_delete == "30"
    session.expire_all()
    assert session.get(User, alice.id).auto_delete_days == 30


async def test_the_providers_section_lists_each_provider_with_its_conversations(session):
    alice = populate(session, name="Alice Shared", email="shared@example.com")
    with session_scope() as scope:  # one of the two conversations is deleted since
        conversations.delete_conversation(
            session=scope, user_id=alice.id, conversation_id=alice.conversation_ids[1]
        )
    _, token = sessions.create_session(session=session, user_id=alice.id)
    session.commit()
    state = substate(root_state(token=token, path="/privacy"), ProvidersState)
    await run(state, ProvidersState.load)
    [openai] = state.providers
    assert openai.name == "OpenAI"
    assert openai.summary.startswith("2 messages from 2 conversations in 2 requests; the last on")
    assert openai.summary.endswith("Tokens: 24 sent, 14 received.")
    links = {(link.title, link.href) for link in openai.conversations}
    assert links == {
        (
            conversation_title(session, alice.conversation_ids[0]),
            f"/chat/{alice.conversation_ids[0]}",
        ),
        (DELETED, ""),
    }
    assert openai.more == ""
    empty = substate(root_state(token=token, path="/privacy"), ProvidersState)
    empty.providers = []
    with session_scope() as scope:
        scope.exec(delete(ProviderRequest).where(ProviderRequest.user_id == alice.id))
    await run(empty, ProvidersState.load)
    assert empty.providers == []


def conversation_title(session, conversation_id: str) -> str:
    return session.get(Conversation, conversation_id).title
