"""One policy in force, read from the database at request time, recorded as shown."""

from dataclasses import replace
from datetime import date

import pytest
from sqlmodel import Session, select

from nomask_app.models import ConsentRecord
from nomask_app.services.accounts import profile
from nomask_app.services.accounts.accounts import sign_up
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.privacy import consent, policy_releases
from nomask_app.services.privacy.policy import current_policy, newest_bundled, policy_section
from tests.factories import PASSWORD, make_user

BUNDLED = newest_bundled()
NEWER = replace(
    BUNDLED,
    version="2099-01-01",
    effective=date(2099, 1, 1),
    markdown="# Privacy Policy\n\n## 4. Data Retention\n\nWe keep less now.\n\n## 5. Rights\n",
)


def _publish(session, policy=NEWER):
    release = policy_releases.publish(session=session, policy=policy)
    session.commit()
    return release


def _versions(session, user_id, subject):
    rows = session.exec(
        select(ConsentRecord).where(
            ConsentRecord.user_id == user_id, ConsentRecord.subject == subject
        )
    )
    return [row.policy_version for row in rows]


def test_the_bundled_file_is_in_force_until_a_policy_is_published(session):
    assert current_policy(session=session) == BUNDLED


def test_a_published_policy_is_in_force_at_once_for_every_reader(session, engine):
    person = make_user(session)
    assert current_policy(session=session).version == BUNDLED.version  # read before
    _publish(session)
    # Another process (an app worker that was already running) reads the same.
    with Session(engine) as elsewhere:
        assert current_policy(session=elsewhere) == NEWER
    # Every consent recorded from now on names the version in force.
    record = consent.record_cookie_choice(session=session, choice=consent.ALL, user_id=person.id)
    profile.set_product_updates(session=session, user_id=person.id, enabled=True)
    session.commit()
    assert record.policy_version == "2099-01-01"
    assert _versions(session, person.id, "product_emails") == ["2099-01-01"]


def test_sign_up_records_the_version_shown_and_refuses_one_that_changed_meanwhile(session):
    fields = dict(
        session=session,
        name="Late Reader",
        email="late@example.com",
        password=PASSWORD,
        is_adult=True,
        accepts_policy=True,
    )
    shown = current_policy(session=session).version
    _publish(session)  # published while the person was reading the form
    with pytest.raises(FieldErrors) as caught:
        sign_up(**fields, policy_version=shown)
    assert caught.value.errors == {
        "accepts_policy": "The privacy policy changed to version 2099-01-01 while you were "
        "signing up. Read it, then accept it again."
    }
    session.rollback()
    user = sign_up(**fields, policy_version="2099-01-01")
    session.commit()
    assert _versions(session, user.id, "privacy_policy") == ["2099-01-01"]
    assert _versions(session, user.id, "age_18") == ["2099-01-01"]


def test_publishing_refuses_the_same_or_an_older_version(session):
    _publish(session)
    with pytest.raises(policy_releases.CannotPublish, match="already published"):
        _publish(session)
    older = replace(NEWER, version="2098-01-01", effective=date(2098, 1, 1))
    with pytest.raises(policy_releases.CannotPublish, match="not newer"):
        _publish(session, older)


def test_an_acknowledgement_names_the_release_the_banner_showed(session):
    person = make_user(session)
    _publish(session, replace(NEWER, version="2098-01-01", effective=date(2098, 1, 1)))
    shown = policy_releases.unacknowledged(session=session, user_id=person.id).version
    _publish(session)  # a newer one, while the banner was on screen
    policy_releases.acknowledge(session=session, user_id=person.id, version=shown)
    session.commit()
    assert "2098-01-01" in _versions(session, person.id, "privacy_policy")
    # The newer one still asks to be read.
    assert policy_releases.unacknowledged(session=session, user_id=person.id).version == (
        "2099-01-01"
    )


def test_a_section_of_the_policy_in_force(session):
    _publish(session)
    assert policy_section(current_policy(session=session), "4.") == "We keep less now.\n"
    assert policy_section(NEWER, "9.") == ""
