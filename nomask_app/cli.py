"""Operator commands: ``python -m nomask_app.cli COMMAND ...``.

Each command is one function taking the parsed arguments and returning an
exit code, registered in `COMMANDS` with the function that adds its
arguments. Commands write to the configured database (run `make migrate`
first) and print one line saying what happened.
"""

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from nomask_app.config import get_settings
from nomask_app.db import session_scope
from nomask_app.integrations import mailer, pg_tools
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.operations import admin, notifications
from nomask_app.services.privacy import (
    backups,
    policy_releases,
    privacy_sweep,
    restore,
    storage_scrub,
)
from nomask_app.services.privacy.policy import newest_bundled

# Long enough for a policy notice to every account to leave before the process exits.
MAIL_WAIT_SECONDS = 3600.0


def _create_admin_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("email", help="the address of an existing account")


def _no_arguments(_parser: argparse.ArgumentParser) -> None:
    return None


def _send_update_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", type=Path, help="a markdown file: a '# Subject' first line, then the text"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="count the recipients and send nothing"
    )


def _read_update(path: Path) -> tuple[str, str]:
    """The subject (the file's first line, a '# ' heading) and the text of an update.

    Raises:
        ValueError: the file is missing, not UTF-8, or has no subject or text.
    """
    try:
        lines = path.read_text(encoding="utf-8").strip().splitlines()
    except (OSError, UnicodeDecodeError) as problem:
        raise ValueError(f"cannot read {path}: {problem}") from problem
    if not lines or not lines[0].startswith("# ") or not lines[0][2:].strip():
        raise ValueError(f"{path} must start with a '# Subject' line")
    subject, text = lines[0][2:].strip(), "\n".join(lines[1:]).strip()
    if not text:
        raise ValueError(f"{path} has a subject but no text")
    return subject, text


def create_admin(args: argparse.Namespace) -> int:
    """Make an existing account an admin (the first admin is made this way)."""
    try:
        with session_scope() as session:
            user = admin.set_role(session=session, email=args.email, role=admin.ADMIN)
            email = user.email
    except NotFound:
        print(f"No account has the address {args.email}. Sign up first.", file=sys.stderr)
        return 1
    except FieldErrors as problem:
        print("; ".join(problem.errors.values()), file=sys.stderr)
        return 2
    print(f"{email} is now an admin. They can open /admin after signing in again.")
    return 0


def publish_policy(_args: argparse.Namespace) -> int:
    """Publish the newest policy file: it is in force at once, everyone is emailed.

    The text is stored with the release, so the running app serves it from
    its next request (no restart, no rebuild) and records it with every
    acceptance; signed-in people see a banner.
    """
    policy = newest_bundled()
    try:
        with session_scope() as session:
            release = policy_releases.publish(session=session, policy=policy)
            sent = release.emails_sent
    except policy_releases.CannotPublish as problem:
        print(f"Nothing to do: {problem}.", file=sys.stderr)
        return 1
    mailer.wait_idle(MAIL_WAIT_SECONDS)
    print(
        f"Published privacy policy version {policy.version} (dated {policy.effective}); "
        "the app serves it from now on. "
        f"Notified {sent} account{'s' if sent != 1 else ''} by email; signed-in people "
        "see a banner at their next visit."
    )
    return 0


def privacy_sweep_once(_args: argparse.Namespace) -> int:
    """Expire exports, finish interrupted deletions, remove orphaned files and old mail."""
    result = privacy_sweep.sweep(scrub=True)  # an operator's request: whatever the lease says
    mailer.wait_idle(MAIL_WAIT_SECONDS)
    print(
        f"Exports expired: {result.exports_expired}, built again: {result.exports_resumed}; "
        f"account deletions finished: {result.deletions_finished}, still pending: "
        f"{result.deletions_pending}; unfinished sign-ups removed: "
        f"{result.unfinished_sign_ups_removed}; orphaned files removed: {result.orphans_removed}; "
        f"deleted accounts erased again: {result.erased_again}; "
        f"conversations deleted automatically: {result.auto_deleted}; "
        f"outbox messages removed: {result.mail_removed}; database files "
        f"{'scrubbed' if result.scrubbed else 'not scrubbed (busy; retried at the next sweep)'}."
    )
    return 0 if result.deletions_pending == 0 else 2


def send_update(args: argparse.Namespace) -> int:
    """Email a product update to every confirmed account that opted in to them."""
    try:
        subject, text = _read_update(args.file)
    except ValueError as problem:
        print(problem, file=sys.stderr)
        return 2
    with session_scope() as session:
        if args.dry_run:
            count = notifications.product_update_audience_size(session=session)
            print(f"Dry run: “{subject}” would go to {_accounts(count)}. Nothing was sent.")
            return 0
        count = notifications.send_product_update(
            session=session, subject=subject, text=text, sent_by="command line"
        )
    mailer.wait_idle(MAIL_WAIT_SECONDS)
    print(f"Sent “{subject}” to {_accounts(count)} (recorded in the audit trail).")
    return 0


def _accounts(count: int) -> str:
    return f"{count} account{'s' if count != 1 else ''}"


def _backup_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--to",
        type=Path,
        default=None,
        help="the folder to create the backup in (default: <data dir>/backups)",
    )


def backup(args: argparse.Namespace) -> int:
    """Make a consistent backup of the database and the local file store."""
    folder = args.to or get_settings().resolve_path(get_settings().data_dir) / "backups"
    try:
        target, manifest = backups.make_backup(folder)
    except (backups.BackupRefused, pg_tools.ToolFailed) as problem:
        print(problem, file=sys.stderr)
        return 2
    files = "with the file store" if manifest.files == "included" else "(files: in the bucket)"
    print(
        f"Backed up the {manifest.database} database (schema {manifest.alembic_revision}) "
        f"{files} to {target}. It holds personal data: keep it encrypted, and never "
        "restore the tombstone ledger with it."
    )
    return 0


def _restore_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("backup", type=Path, help="a folder made by the backup command")


def restore_backup(args: argparse.Namespace) -> int:
    """Replace the database (and files) with a backup, then erase everyone deleted since.

    Stop the app first. The replaced database and files are kept beside the
    new ones until you delete them.
    """
    try:
        done = restore.restore_backup(args.backup)
    except (backups.BackupRefused, pg_tools.ToolFailed) as problem:
        print(problem, file=sys.stderr)
        return 2
    kept = ", ".join(p for p in (done.previous_database, done.previous_files) if p) or "nothing"
    print(
        f"Restored the backup of {done.backup_created_at:%d %b %Y %H:%M} UTC "
        f"(schema {done.revision}). {done.newer_tombstones} account(s) were deleted after "
        f"it was made; {done.erased_again} deleted account(s) were in it and were erased "
        f"again, rows and files. Kept what was replaced: {kept}. Start the app now."
    )
    return 0


def compact(_args: argparse.Namespace) -> int:
    """Rewrite the database files so no deleted byte stays in free space (locks tables)."""
    storage_scrub.compact()
    print("Rewrote the tables that hold personal data; freed space holds nothing deleted.")
    return 0


# name -> (help, add arguments, run)
COMMANDS: dict[str, tuple[str, Callable, Callable[[argparse.Namespace], int]]] = {
    "create-admin": (
        "give an existing account the admin role",
        _create_admin_arguments,
        create_admin,
    ),
    "publish-policy": (
        "announce the newest privacy policy (nomask_app/content/policy/) to everyone",
        _no_arguments,
        publish_policy,
    ),
    "send-update": (
        "email a product update (markdown file) to confirmed accounts that opted in",
        _send_update_arguments,
        send_update,
    ),
    "privacy-sweep": (
        "run the periodic privacy clean-up once (backends also run it by themselves)",
        _no_arguments,
        privacy_sweep_once,
    ),
    "backup": (
        "make a consistent backup of the database and the local file store",
        _backup_arguments,
        backup,
    ),
    "restore": (
        "restore a backup (app stopped); accounts deleted since are erased again",
        _restore_arguments,
        restore_backup,
    ),
    "compact": (
        "rewrite the database files so no deleted byte stays (maintenance window)",
        _no_arguments,
        compact,
    ),
}


def build_parser() -> argparse.ArgumentParser:
    """The command line: one sub-command per operator task."""
    parser = argparse.ArgumentParser(
        prog="python -m nomask_app.cli", description="NoMask AI operator commands."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (help_text, add_arguments, run) in COMMANDS.items():
        command = commands.add_parser(name, help=help_text, description=run.__doc__)
        add_arguments(command)
        command.set_defaults(run=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit code."""
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
