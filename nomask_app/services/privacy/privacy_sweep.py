"""Privacy work that must finish whatever happens to one request or process.

One instance of all hosts runs `sweep` every few minutes, the one holding
its lease (`run_periodically`); the command ``python -m nomask_app.cli
privacy-sweep`` runs it once. Expired exports are deleted with their
archives, exports whose instance died are built again,
account deletions that were interrupted are finished, sign-ups whose link
was never used are removed, bytes on disk that no row refers to are removed,
temporary chats whose session ended are removed, the outbox forgets old
mail, and the database files are scrubbed when a
deletion asked for it.

Each step is a plain service function; the ones that may run outside the
sweep too (export builds, account deletions) hold a lease of their own.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from nomask_app.config import get_settings
from nomask_app.db import session_scope
from nomask_app.integrations.stripe import StripeUnavailable
from nomask_app.models.common import utcnow
from nomask_app.services.accounts.accounts import unfinished_sign_ups
from nomask_app.services.chat import temporary
from nomask_app.services.images import files
from nomask_app.services.operations import delivery, leases
from nomask_app.services.privacy import (
    account_deletion,
    erasure,
    export_jobs,
    export_store,
    exports,
    retention,
    storage_scrub,
    tombstones,
)
from nomask_app.services.privacy.export_store import ExportArchive

log = logging.getLogger(__name__)

SWEEP_JOB = "privacy-sweep"
# Bytes written this recently may belong to an upload whose row is not committed yet.
ORPHAN_MIN_AGE = timedelta(hours=1)
# A sign-up whose link was not used by then is removed (the link expired after 3 days):
# nobody proved the address, and the name may be anyone's.
UNFINISHED_SIGN_UP_KEPT = timedelta(days=7)


def _leases(times: int) -> timedelta:
    """`times` the configured job lease (`NOMASK_JOB_LEASE_SECONDS`, a minute by default)."""
    return timedelta(seconds=get_settings().job_lease_seconds * times)


def remove_files(leftovers: list[erasure.Leftover]) -> None:
    """Delete files after the transaction that deleted their rows committed.

    Strings are storage keys; `ExportArchive`s name export archives.
    """
    files.remove_stored(item for item in leftovers if isinstance(item, str))
    export_store.remove(item.export_id for item in leftovers if isinstance(item, ExportArchive))


def finish_deletion(user_id: str) -> bool:
    """Erase a marked account in one transaction, then its files (one instance at a time).

    Returns:
        True when the account is gone; False when Stripe could not be
        reached or another instance is erasing it (the deletion stays
        pending and the sweep retries it).
    """
    with leases.held(erasure.deletion_lease(user_id), ttl=_leases(2)) as mine:
        return _finish_deletion(user_id) if mine else False


def _finish_deletion(user_id: str) -> bool:
    try:
        with session_scope() as session:
            paths = account_deletion.erase_account(session=session, user_id=user_id)
    except StripeUnavailable:
        log.warning("account deletion is waiting for Stripe")
        return False
    remove_files(paths)
    delivery.forget_account(user_id)
    storage_scrub.request()
    return True


def _remove_unfinished_sign_ups(created_before) -> int:
    """Erase sign-ups nobody finished; no email goes to an address nobody proved."""
    with session_scope() as session:
        ids = unfinished_sign_ups(session=session, created_before=created_before)
        leftovers = [
            item for user_id in ids for item in erasure.erase_rows(session=session, user_id=user_id)
        ]
    remove_files(leftovers)
    return len(ids)


def auto_delete(*, now: datetime, batch: int = 200) -> int:
    """Delete the conversations people asked to have deleted once untouched (batches).

    Returns:
        How many conversations went, with their messages and files.
    """
    total = 0
    while True:
        with session_scope() as session:
            count, keys = retention.delete_due(session=session, now=now, limit=batch)
        files.remove_stored(keys)
        total += count
        if count < batch:
            return total


@dataclass(frozen=True)
class SweepResult:
    """What one sweep did (counts)."""

    exports_expired: int
    exports_resumed: int
    deletions_finished: int
    deletions_pending: int
    unfinished_sign_ups_removed: int
    orphans_removed: int
    erased_again: int
    auto_deleted: int
    mail_removed: int
    scrubbed: bool


def sweep(*, scrub: bool = False) -> SweepResult:
    """Run every periodic privacy task once (blocking: use a worker thread).

    Args:
        scrub: Scrub the database files even if no deletion asked for it (the
            first sweep of a process: one that stopped may not have scrubbed).
    """
    now = utcnow()
    with session_scope() as session:
        expired, expired_ids = exports.expire(session=session, now=now)
        # A live build writes its progress every few seconds and renews its
        # lease; one silent for two leases' time lost its instance.
        stalled = exports.stalled(session=session, stale_before=now - _leases(2))
    export_store.remove(expired_ids)
    # Exports whose instance died: built here (a live builder holds its lease).
    resumed = sum(export_jobs.build(export_id) for export_id in stalled)
    with session_scope() as session:
        waiting = account_deletion.pending(session=session)
    finished = 0
    for user_id in waiting:
        try:
            finished += finish_deletion(user_id)
        except Exception:  # one broken deletion must not stop the others
            log.exception("account deletion failed; it is retried at the next sweep")
    removed = _remove_unfinished_sign_ups(now - UNFINISHED_SIGN_UP_KEPT)
    with session_scope() as session:
        orphans = files.sweep_orphans(session=session, older_than=ORPHAN_MIN_AGE)
        stray = export_store.orphans(session=session, older_than=ORPHAN_MIN_AGE, now=now)
    remove_files(stray)
    # A database restored without our command (point-in-time recovery) may
    # hold accounts deleted since: erase them again.
    try:
        deleted = tombstones.ids()
    except OSError:  # the other steps still run; the next sweep tries again
        log.exception("the tombstone ledger cannot be read")
        deleted = set()
    again = tombstones.enforce(deleted=deleted)
    remove_files(again.leftovers)
    auto_deleted = auto_delete(now=now)
    with session_scope() as session:
        ended, keys = temporary.purge_ended(session=session, now=now)
    files.remove_stored(keys)
    mail = delivery.purge_outbox(now=now, forgotten=deleted)
    anyway = scrub or bool(again.erased) or bool(auto_deleted) or bool(removed) or bool(ended)
    scrubbed = storage_scrub.scrub_if_requested(anyway=anyway) > 0
    # Operators (and the two-host test) can see which instance swept, and when.
    log.info(
        "privacy sweep ran",
        extra={
            "instance": leases.INSTANCE,
            "sweep_started": now.isoformat(),
            "exports_resumed": resumed,
            "deletions_finished": finished,
        },
    )
    return SweepResult(
        expired,
        resumed,
        finished,
        len(waiting) - finished,
        removed,
        orphans + len(stray),
        len(again.erased),
        auto_deleted,
        mail,
        scrubbed,
    )


def sweep_if_due(*, scrub: bool = False, now: datetime | None = None) -> SweepResult | None:
    """Run `sweep` if no instance ran it in the last `privacy_sweep_minutes` (blocking).

    Returns:
        Its result, or None when another instance is sweeping or swept recently.
    """
    now = now or utcnow()
    interval = timedelta(minutes=get_settings().privacy_sweep_minutes)
    # Renewed while sweeping; a dead sweeper's is taken over once it runs out.
    lease = _leases(5)
    if not leases.claim(SWEEP_JOB, ttl=lease):
        return None
    stop = leases.heartbeat(SWEEP_JOB, ttl=lease)
    try:
        result = sweep(scrub=scrub)
    except BaseException:
        stop()
        leases.release(SWEEP_JOB)  # let another instance try at once
        raise
    stop()
    # Held until the next sweep is due: the others skip it until then.
    leases.release(SWEEP_JOB, keep_until=now + interval)
    return result


async def run_periodically() -> None:
    """Lifespan task: every minute, tidy this host's disk and sweep if no instance did lately."""
    first = True
    while True:
        try:
            await asyncio.to_thread(
                export_store.remove_stale_partials, older_than=ORPHAN_MIN_AGE, now=utcnow()
            )
            result = await asyncio.to_thread(sweep_if_due, scrub=first)
            if result is not None:
                first = False
                if result.deletions_pending:
                    log.warning("%d account deletions still pending", result.deletions_pending)
        except Exception:  # keep sweeping later even if the database was away
            log.exception("privacy sweep failed")
        await asyncio.sleep(min(60, get_settings().privacy_sweep_minutes * 60))
