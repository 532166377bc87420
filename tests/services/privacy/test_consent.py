import pytest
from sqlmodel import select

from nomask_app.models import ConsentRecord
from nomask_app.services.privacy import consent
from nomask_app.services.privacy.policy import current_policy
from tests.factories import make_user


def test_anonymous_decisions_get_a_random_consent_id_with_time_and_version(session):
    record = consent.record_cookie_choice(session=session, choice=consent.ESSENTIAL)
    session.commit()
    stored = session.exec(select(ConsentRecord)).one()
    assert stored.id == record.id
    assert len(stored.consent_id) == 32 and stored.user_id is None
    assert (stored.subject, stored.choice) == ("cookies", "essential")
    assert stored.policy_version == current_policy(session=session).version
    assert stored.created_at is not None


def test_a_browser_keeps_its_consent_id_and_the_latest_decision_counts(session):
    user = make_user(session)
    first = consent.record_cookie_choice(session=session, choice=consent.ALL)
    session.commit()
    second = consent.record_cookie_choice(
        session=session, choice=consent.ESSENTIAL, consent_id=first.consent_id, user_id=user.id
    )
    session.commit()
    assert second.consent_id == first.consent_id
    assert second.user_id == user.id
    latest = consent.latest_cookie_choice(session=session, consent_id=first.consent_id)
    assert latest.choice == consent.ESSENTIAL


def test_a_malformed_consent_id_is_replaced(session):
    record = consent.record_cookie_choice(
        session=session, choice=consent.ALL, consent_id="<script>"
    )
    assert record.consent_id != "<script>" and len(record.consent_id) == 32


def test_unknown_choices_are_refused(session):
    with pytest.raises(ValueError):
        consent.record_cookie_choice(session=session, choice="tracking")


def test_cookie_value_round_trip_and_garbage():
    value = consent.format_cookie("a" * 32, consent.ALL)
    assert consent.parse_cookie(value) == ("a" * 32, "all")
    for bad in (None, "", "all", "a" * 32, "x" * 32 + ".all", "a" * 32 + ".everything"):
        assert consent.parse_cookie(bad) is None


def test_the_essential_list_names_the_session_and_consent_cookies():
    names = {item.name for item in consent.essential_storage()}
    assert names == {"nomask_session", "nomask_consent", "token"}
    assert all(item.purpose and item.lifetime for item in consent.essential_storage())
    assert [item.name for item in consent.preference_storage()] == ["theme"]
