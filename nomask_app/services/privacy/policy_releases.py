"""Publishing a new privacy policy version and who has acknowledged it (policy §9).

Publishing (``python -m nomask_app.cli publish-policy``) records the newest
policy file as released and emails every account. Signed-in people who have
not acknowledged the newest release see a banner; their acknowledgement is
a `ConsentRecord` with subject ``privacy_policy``.
"""

from sqlmodel import Session, col, select

from nomask_app.models import ConsentRecord, PolicyRelease
from nomask_app.services.operations import notifications
from nomask_app.services.privacy.policy import PolicyVersion, current_policy

SUBJECT = "privacy_policy"
ACKNOWLEDGED = "acknowledged"


class AlreadyPublished(ValueError):
    """This policy version was published before; nobody is emailed twice."""


def publish(*, session: Session, policy: PolicyVersion | None = None) -> PolicyRelease:
    """Record a policy version as published and queue the email to every account.

    The emails leave when the caller commits.

    Raises:
        AlreadyPublished: that version is already recorded.
    """
    policy = policy or current_policy()
    existing = session.exec(
        select(PolicyRelease).where(PolicyRelease.version == policy.version)
    ).first()
    if existing is not None:
        raise AlreadyPublished(
            f"version {policy.version} was already published on {existing.published_at:%Y-%m-%d}"
        )
    release = PolicyRelease(version=policy.version, effective=policy.effective)
    session.add(release)
    session.flush()
    release.emails_sent = notifications.announce_policy_update(session=session, policy=policy)
    return release


def latest_release(*, session: Session) -> PolicyRelease | None:
    """The most recently published policy version, if any was ever published."""
    return session.exec(
        select(PolicyRelease).order_by(col(PolicyRelease.published_at).desc())
    ).first()


def unacknowledged(*, session: Session, user_id: str) -> PolicyRelease | None:
    """The newest release if this person has neither accepted nor acknowledged it."""
    release = latest_release(session=session)
    if release is None:
        return None
    seen = session.exec(
        select(ConsentRecord.id).where(
            ConsentRecord.user_id == user_id,
            ConsentRecord.subject == SUBJECT,
            ConsentRecord.policy_version == release.version,
        )
    ).first()
    return None if seen else release


def acknowledge(*, session: Session, user_id: str) -> ConsentRecord | None:
    """Record that the person saw the newest release (None when there is nothing to see)."""
    release = unacknowledged(session=session, user_id=user_id)
    if release is None:
        return None
    record = ConsentRecord(
        user_id=user_id, subject=SUBJECT, choice=ACKNOWLEDGED, policy_version=release.version
    )
    session.add(record)
    return record
