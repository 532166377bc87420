"""What deleting an account deletes, table by table (policy §4: all personal data goes).

Every table of the schema is named here, on purpose and explicitly:

- `ERASERS`: tables that can hold someone's data, each with the function
  that deletes that person's rows and returns what goes with them outside
  the database: export archives on disk and stored files' keys (removed
  after the transaction commits);
- `KEPT`: tables that hold no personal data, with the reason.

Deletion does not rely on ``ON DELETE CASCADE`` alone: a cascade forgets the
files on disk and the data reachable by other columns (a cookie consent
recorded before sign-in, an export archive). tests/services/privacy/test_erasure.py
fails for a table in neither mapping, and its fixture must fill every table
that references `users` so the proof covers it.

Adding a table that holds user data: give it a ``user_id: str = user_fk()``
column (models/common.py) and add ``"<table name>": by_user_id`` to `ERASERS`,
or a function of your own when rows are found another way or files go
with them. A table without personal data goes to `KEPT` with the reason.
"""

from collections.abc import Callable

from sqlalchemy import Table, delete, select
from sqlmodel import Session, SQLModel

from nomask_app.services.images import files
from nomask_app.services.privacy.export_store import ExportArchive

# An export's archive (`export_store.remove`), or a storage key (`files.remove_stored`).
Leftover = ExportArchive | str
Eraser = Callable[[Session, Table, str], list[Leftover]]


def by_user_id(session: Session, table: Table, user_id: str) -> list[Leftover]:
    """Delete the rows whose `user_id` column is the person's; no files."""
    session.execute(delete(table).where(table.c.user_id == user_id))
    return []


def _stored_files(session: Session, table: Table, user_id: str) -> list[Leftover]:
    # Originals and their thumbnails.
    keys = files.stored_keys(session=session, conditions=[table.c.user_id == user_id])
    session.execute(delete(table).where(table.c.user_id == user_id))
    return list(keys)


def _data_exports(session: Session, table: Table, user_id: str) -> list[Leftover]:
    ids = list(session.execute(select(table.c.id).where(table.c.user_id == user_id)).scalars())
    session.execute(delete(table).where(table.c.user_id == user_id))
    return [ExportArchive(export_id) for export_id in ids]


def deletion_lease(user_id: str) -> str:
    """The lease of erasing one account (`services/operations/leases.py`)."""
    return f"deletion:{user_id}"


def _job_leases(session: Session, table: Table, user_id: str) -> list[Leftover]:
    # Leases are named after the account: its deletion's own, its exports' builds.
    session.execute(
        delete(table).where(
            (table.c.name == deletion_lease(user_id))
            | table.c.name.startswith(f"export:{user_id}:", autoescape=True)
        )
    )
    return []


def _consent_records(session: Session, table: Table, user_id: str) -> list[Leftover]:
    # Cookie choices made in the same browser before signing in carry only
    # the browser's consent id: they go with the account that used it.
    browsers = list(
        session.execute(
            select(table.c.consent_id)
            .where(table.c.user_id == user_id, table.c.consent_id.is_not(None))
            .distinct()
        ).scalars()
    )
    session.execute(delete(table).where(table.c.user_id == user_id))
    if browsers:
        session.execute(
            delete(table).where(table.c.user_id.is_(None), table.c.consent_id.in_(browsers))
        )
    return []


def _account(session: Session, table: Table, user_id: str) -> list[Leftover]:
    session.execute(delete(table).where(table.c.id == user_id))
    return []


ERASERS: dict[str, Eraser] = {
    "account_deletions": by_user_id,
    "account_tokens": by_user_id,
    "billing_accounts": by_user_id,  # after billing.cancel_and_delete_customer
    "consent_records": _consent_records,
    "conversations": by_user_id,
    "data_exports": _data_exports,
    "job_leases": _job_leases,
    "login_tickets": by_user_id,
    "messages": by_user_id,
    "provider_requests": by_user_id,
    "security_events": by_user_id,
    "recovery_codes": by_user_id,
    "stored_files": _stored_files,
    "two_factor": by_user_id,
    "usage_events": by_user_id,
    "user_sessions": by_user_id,
    "users": _account,
}

KEPT: dict[str, str] = {
    "stripe_events": "Ids and types of Stripe webhooks already applied; nothing about a person.",
    "policy_releases": "Which policy versions were published and when.",
}


def erase_rows(*, session: Session, user_id: str) -> list[Leftover]:
    """Delete every row of one person in every table, children first, the account last.

    Returns:
        Files on disk and storage keys to remove once the caller's transaction committed.

    Raises:
        RuntimeError: a table is in neither `ERASERS` nor `KEPT` (a new table
            nobody decided about): nothing is deleted.
    """
    tables = SQLModel.metadata.sorted_tables
    unknown = sorted(t.name for t in tables if t.name not in ERASERS and t.name not in KEPT)
    if unknown:
        raise RuntimeError(f"account deletion does not know these tables: {', '.join(unknown)}")
    paths: list[Leftover] = []
    for table in reversed(tables):
        eraser = ERASERS.get(table.name)
        if eraser is not None:
            paths += eraser(session, table, user_id)
    return paths
