"""/policy and the sign-up form show the policy in force when they load, never a built copy."""

from dataclasses import replace
from datetime import date

from sqlmodel import select

from nomask_app.models import ConsentRecord, User
from nomask_app.services.privacy import policy_releases
from nomask_app.services.privacy.policy import newest_bundled
from nomask_app.states.accounts.signup import SignupState
from nomask_app.states.privacy.policy import PolicyState
from tests.factories import PASSWORD
from tests.states.harness import root_state, run, substate

NEWER = replace(
    newest_bundled(),
    version="2099-01-01",
    effective=date(2099, 1, 1),
    markdown="# Privacy Policy\n\n## 1. What changed\n\nEverything is clearer now.\n",
)


async def test_the_policy_page_shows_a_version_published_while_the_app_runs(session):
    page = substate(root_state(path="/policy"), PolicyState)
    await run(page, PolicyState.load)
    assert page.version == newest_bundled().version
    policy_releases.publish(session=session, policy=NEWER)
    session.commit()
    await run(page, PolicyState.load)  # the next visit, same process
    assert page.updated == "Last updated: January 1, 2099 · Version 2099-01-01"
    assert page.body == "\n## 1. What changed\n\nEverything is clearer now.\n"


async def test_sign_up_asks_again_when_the_policy_changed_while_the_form_was_open(session):
    root = root_state(path="/signup")
    policy, signup = substate(root, PolicyState), substate(root, SignupState)
    await run(policy, PolicyState.load)
    shown = policy.version
    policy_releases.publish(session=session, policy=NEWER)
    session.commit()
    form = {
        "name": "Late Reader",
        "email": "late-reader@example.com",
        "password": PASSWORD,
        "is_adult": "on",
        "accepts_policy": "on",
    }
    reload = await run(signup, SignupState.submit, form)
    assert "changed to version 2099-01-01" in signup.errors["accepts_policy"]
    assert session.exec(select(User).where(User.email == form["email"])).first() is None
    assert shown != "2099-01-01"
    # The page loads the version in force, which the person then accepts.
    assert reload.fn == PolicyState.load.fn
    await run(policy, PolicyState.load)
    await run(signup, SignupState.submit, form)
    assert signup.errors == {}
    user = session.exec(select(User).where(User.email == form["email"])).one()
    accepted = session.exec(
        select(ConsentRecord.policy_version).where(
            ConsentRecord.user_id == user.id, ConsentRecord.subject == "privacy_policy"
        )
    ).all()
    assert accepted == ["2099-01-01"]
