"""Publishing a new privacy policy version and who has acknowledged it (policy §9).

Publishing (``python -m nomask_app.cli publish-policy``) stores the policy's
text as the newest release, which makes it the policy in force in every
process at once (`policy.current_policy`), and emails every account.
Signed-in people who have not acknowledged the newest release see a banner;
their acknowledgement is a `ConsentRecord` with subject ``privacy_policy``.
"""

from sqlmodel import Session, select

from nomask_app.models import ConsentRecord, PolicyRelease
from nomask_app.services.operations import notifications
from nomask_app.services.privacy.policy import PolicyVersion, latest_release

SUBJECT = "privacy_policy"
ACKNOWLEDGED = "acknowledged"


class CannotPublish(ValueError):
    """This version was published before, or a newer one was; nobody is emailed."""


def publish(*, session: Session, policy: PolicyVersion) -> PolicyRelease:
    """Make a policy version the one in force and queue the email to every account.

    The emails leave when the caller commits.

    Raises:
        CannotPublish: that version is already recorded, or is not newer than
            the newest release.
    """
    existing = session.exec(
        select(PolicyRelease).where(PolicyRelease.version == policy.version)
    ).first()
    if existing is not None:
        raise CannotPublish(
            f"version {policy.version} was already published on {existing.published_at:%Y-%m-%d}"
        )
    newest = latest_release(session=session)
    if newest is not None and policy.effective <= newest.effective:
        raise CannotPublish(
            f"version {policy.version} (dated {policy.effective}) is not newer than the "
            f"published version {newest.version} (dated {newest.effective})"
        )
    release = PolicyRelease(
        version=policy.version, effective=policy.effective, markdown=policy.markdown
    )
    session.add(release)
    session.flush()
    release.emails_sent = notifications.announce_policy_update(session=session, policy=policy)
    return release


def unacknowledged(*, session: Session, user_id: str) -> PolicyRelease | None:
    """The newest release if this person has neither accepted nor acknowledged it."""
    release = latest_release(session=session)
    if release is None or _seen(session, user_id, release.version):
        return None
    return release


def _seen(session: Session, user_id: str, version: str) -> bool:
    """Whether the person accepted or acknowledged this version."""
    seen = session.exec(
        select(ConsentRecord.id).where(
            ConsentRecord.user_id == user_id,
            ConsentRecord.subject == SUBJECT,
            ConsentRecord.policy_version == version,
        )
    ).first()
    return seen is not None


def acknowledge(*, session: Session, user_id: str, version: str) -> ConsentRecord | None:
    """Record that the person saw the release `version` that the banner showed them.

    If a newer one was published meanwhile, the banner comes back for it.

    Returns:
        The record, or None when there was nothing to acknowledge (no such
        release, or already acknowledged).
    """
    release = session.exec(select(PolicyRelease).where(PolicyRelease.version == version)).first()
    if release is None or _seen(session, user_id, release.version):
        return None
    record = ConsentRecord(
        user_id=user_id, subject=SUBJECT, choice=ACKNOWLEDGED, policy_version=release.version
    )
    session.add(record)
    return record
