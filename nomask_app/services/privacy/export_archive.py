"""Writing the ZIP of a data export, streamed so memory stays flat for any account size.

Rows are read a batch at a time and written straight into the archive;
files are copied from the store in chunks. Every member is hashed while it
is written, and `manifest.json` (written last) lists them with their SHA-256.
"""

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from nomask_app.models import (
    ConsentRecord,
    Conversation,
    Message,
    SecurityEvent,
    StoredFile,
    UsageEvent,
    User,
    UserSession,
)
from nomask_app.models.common import utcnow
from nomask_app.services.chat import conversations
from nomask_app.services.images import files
from nomask_app.services.privacy import export_html, export_records, provider_ledger
from nomask_app.services.privacy.export_records import BATCH, in_batches
from nomask_app.services.privacy.export_zip import (
    ArchiveWriter,
    TextMember,
    dumps,
    file_member,
    json_array,
)

FORMAT = "nomask-export"
FORMAT_VERSION = 1
NOT_INCLUDED = [
    "Your password: we keep only a bcrypt hash of it, which is useless to you.",
    "Session and link tokens: we keep only hashes of them.",
    "Card details: we never receive them; Stripe holds them (see billing.json for the ids).",
]

# Where each table of personal data (services/erasure.ERASERS) goes in the
# archive, or why it does not: tests/services/privacy/test_exports.py fails for a
# table in neither, so a new table cannot silently be left out of exports.
EXPORTED_IN = {
    "users": "account.json",
    "account_tokens": "account.json (a pending email change)",
    "data_exports": "account.json",
    "conversations": "conversations.json and conversations/",
    "messages": "conversations.json and conversations/",
    "stored_files": "files/ and files.json",
    "user_sessions": "sessions.json",
    "consent_records": "consents.json",
    "security_events": "security_events.json",
    "billing_accounts": "billing.json",
    "usage_events": "billing.json",
    "provider_requests": "ai_providers.json",
}
NOT_EXPORTED = {
    "login_tickets": "One-minute single-use sign-in tickets, stored as hashes.",
    "account_deletions": "Exists only while the account is being deleted.",
    "two_factor": "The encrypted authenticator secret: in an archive it would let whoever "
    "holds the file pass your second sign-in step.",
    "recovery_codes": "Stored only as keyed hashes, which are useless outside this service.",
    "job_leases": "Which of our servers is building an export or deleting the account, "
    "kept only while it does.",
}

Progress = Callable[[int, int], None]


def _messages_of(session: Session, conversation_id: str) -> Iterator[list[Message]]:
    """Every message, every version included, by (seq, id): versions share a seq."""
    query = select(Message).where(Message.conversation_id == conversation_id)
    last = None
    while True:
        page = query
        if last is not None:
            page = query.where(
                (Message.seq > last.seq) | ((Message.seq == last.seq) & (Message.id > last.id))
            )
        rows = list(session.exec(page.order_by(col(Message.seq), col(Message.id)).limit(BATCH)))
        if rows:
            yield rows
        if len(rows) < BATCH:
            return
        last = rows[-1]


def _attachments(session: Session, conversation_id: str) -> dict[str, list[StoredFile]]:
    """Files attached to the messages of one conversation, by message id."""
    found: dict[str, list[StoredFile]] = {}
    rows = session.exec(
        select(StoredFile)
        .where(
            StoredFile.conversation_id == conversation_id,
            col(StoredFile.message_id).is_not(None),
        )
        .order_by(col(StoredFile.created_at))
    )
    for row in rows:
        found.setdefault(row.message_id, []).append(row)
    return found


def _count(session: Session, model, *conditions) -> int:
    return session.exec(select(func.count()).select_from(model).where(*conditions)).one()


class _Export:
    """One export being written; `tick` reports progress after each unit of work."""

    def __init__(self, session: Session, user: User, writer: ArchiveWriter, progress: Progress):
        self.session, self.user, self.writer, self._progress = session, user, writer, progress
        uid = user.id
        # Temporary chats are not exported: they are gone when their session ends.
        temporary = conversations.temporary_ids(uid)
        self.counts = {
            "conversations": _count(session, Conversation, conversations.saved(uid)),
            "messages": _count(
                session,
                Message,
                Message.user_id == uid,
                col(Message.conversation_id).not_in(temporary),
            ),
            "files": _count(session, StoredFile, *self._kept_files()),
            "sessions": _count(session, UserSession, UserSession.user_id == uid),
            "consents": _count(session, ConsentRecord, ConsentRecord.user_id == uid),
            "security_events": _count(session, SecurityEvent, SecurityEvent.user_id == uid),
            "usage_events": _count(session, UsageEvent, UsageEvent.user_id == uid),
        }
        self.total = self.counts["files"] + 2 * self.counts["messages"] + 10
        self.done = 0
        self.missing: set[str] = set()

    def tick(self, units: int = 1) -> None:
        self.done += units
        self._progress(self.done, self.total)

    def _kept_files(self) -> tuple:
        # Studio images belong to no conversation (NULL is never "not in" anything).
        conversation = col(StoredFile.conversation_id)
        outside_temporary = conversation.is_(None) | conversation.not_in(
            conversations.temporary_ids(self.user.id)
        )
        return (StoredFile.user_id == self.user.id, outside_temporary)

    def conversations(self) -> Iterator[Conversation]:
        query = select(Conversation).where(conversations.saved(self.user.id))
        return in_batches(self.session, query, col(Conversation.id))

    def stored_files(self) -> Iterator[StoredFile]:
        query = select(StoredFile).where(*self._kept_files())
        return in_batches(self.session, query, col(StoredFile.id))


def _file_record(row: StoredFile, missing: bool) -> dict[str, Any]:
    return {
        "id": row.id,
        "path": None if missing else file_member(row),
        "kind": row.kind,
        "filename": row.filename,
        "content_type": row.content_type,
        "size_bytes": row.size_bytes,
        "sha256": row.sha256,
        "width": row.width,
        "height": row.height,
        "conversation_id": row.conversation_id,
        "message_id": row.message_id,
        "source_file_id": row.source_file_id,
        # What an AI model was asked for the images it made (empty for uploads).
        "prompt": row.prompt,
        "model": row.model,
        "image_size": row.image_size,
        "created_at": row.created_at,
    }


def _write_files(job: _Export) -> None:
    for row in job.stored_files():
        try:
            source = files.open_stored(row.storage_key)
        except FileNotFoundError:
            job.missing.add(row.id)
        else:
            job.writer.copy(file_member(row), source, row.size_bytes, row.created_at)
        job.tick()
    job.writer.text(
        "files.json",
        lambda out: json_array(
            out, (_file_record(row, row.id in job.missing) for row in job.stored_files())
        ),
    )


def _message_record(message: Message, attached: list[StoredFile]) -> dict[str, Any]:
    return {
        "id": message.id,
        "seq": message.seq,
        # The message tree: regenerated and edited messages keep their versions.
        "parent_id": message.parent_id,
        "chosen_version": message.chosen,
        "on_shown_path": message.on_path,
        "role": message.role,
        "content": message.content,
        "status": message.status,
        "error": message.error,
        "model": message.model,
        "deployment": message.deployment,
        "provider": message.provider,
        "usage": {
            "prompt_tokens": message.prompt_tokens,
            "completion_tokens": message.completion_tokens,
            "cost_usd": message.cost_usd,
        },
        "context_dropped": message.context_dropped,
        "attachments": [row.id for row in attached],
        "created_at": message.created_at,
        "updated_at": message.updated_at,
    }


def _write_conversations_json(job: _Export) -> None:
    def write(out: TextMember) -> None:
        out.write(f'{{"format_version": {FORMAT_VERSION}, "conversations": [')
        for number, conversation in enumerate(job.conversations()):
            head = {
                "id": conversation.id,
                "title": conversation.title,
                "model": conversation.model,
                "created_at": conversation.created_at,
                "updated_at": conversation.updated_at,
            }
            out.write(("," if number else "") + "\n  " + dumps(head)[:-1] + ', "messages": [')
            first = True
            attached = _attachments(job.session, conversation.id)
            for batch in _messages_of(job.session, conversation.id):
                for message in batch:
                    record = _message_record(message, attached.get(message.id, []))
                    out.write(("" if first else ",") + "\n    " + dumps(record))
                    first = False
                job.tick(len(batch))
            out.write("\n  ]}")
        out.write("\n]}\n")

    job.writer.text("conversations.json", write)


def _write_conversation_pages(job: _Export) -> None:
    for conversation in job.conversations():

        def write(out: TextMember, conversation: Conversation = conversation) -> None:
            out.write(export_html.page_start(conversation.title, depth=1))
            out.write(
                export_html.conversation_meta(
                    created_at=conversation.created_at, model=conversation.model
                )
            )
            attached = _attachments(job.session, conversation.id)
            for batch in _messages_of(job.session, conversation.id):
                for message in batch:
                    files_here = [
                        (file_member(f), f.filename, f.content_type, f.kind)
                        for f in attached.get(message.id, [])
                        if f.id not in job.missing
                    ]
                    out.write(
                        export_html.message(
                            role=message.role,
                            content=message.content,
                            created_at=message.created_at,
                            model=message.model,
                            provider=message.provider,
                            status=message.status,
                            attachments=files_here,
                        )
                    )
                job.tick(len(batch))
            out.write(export_html.page_end())

        job.writer.text(f"conversations/{conversation.id}.html", write)


def _write_index(job: _Export) -> None:
    def write(out: TextMember) -> None:
        out.write(export_html.page_start("Your NoMask AI data"))
        out.write(
            export_html.index_intro(
                name=job.user.name, email=job.user.email, created_at=utcnow(), counts=job.counts
            )
        )
        before = None
        while True:  # newest first, a page at a time
            page = conversations.list_conversations(
                session=job.session, user_id=job.user.id, before=before, limit=BATCH
            )
            for conversation in page:
                out.write(
                    export_html.index_conversation(
                        conversation_id=conversation.id,
                        title=conversation.title,
                        updated_at=conversation.updated_at,
                    )
                )
            if len(page) < BATCH:
                break
            before = (page[-1].updated_at, page[-1].id)
        out.write(export_html.index_files_start())
        for row in job.stored_files():
            if row.id not in job.missing:
                out.write(
                    export_html.file_item(
                        member=file_member(row),
                        filename=row.filename,
                        content_type=row.content_type,
                        kind=row.kind,
                    )
                )
        out.write(export_html.index_end() + export_html.page_end())

    job.writer.text("index.html", write)


def _write_records(job: _Export) -> None:
    session, uid = job.session, job.user.id
    job.writer.json("account.json", export_records.account(session=session, user=job.user))
    for name, rows in (
        ("sessions.json", export_records.sessions),
        ("consents.json", export_records.consents),
        ("security_events.json", export_records.security_events),
        ("ai_providers.json", provider_ledger.records),
    ):
        job.writer.text(
            name, lambda out, rows=rows: json_array(out, rows(session=session, user_id=uid))
        )
        job.tick()

    def billing_json(out: TextMember) -> None:
        head = dumps(export_records.billing_head(session=session, user_id=uid), indent=2)
        out.write(head[:-2] + ',\n  "usage_events": ')
        json_array(out, export_records.usage_events(session=session, user_id=uid), "    ")
        out.write("\n}\n")

    job.writer.text("billing.json", billing_json)
    job.tick()


def write_archive(
    *, session: Session, user_id: str, path: Path, progress: Progress | None = None
) -> dict[str, int]:
    """Write everything we hold about a person into a new ZIP at `path`.

    Args:
        session: A session to read with (one transaction: a consistent snapshot).
        user_id: Whose data.
        path: The archive to create (overwritten).
        progress: Called with (units done, units in total) as the work advances.

    Returns:
        How many conversations, messages, files, ... the archive holds.

    Raises:
        LookupError: the account does not exist.
    """
    user = session.get(User, user_id)
    if user is None:
        raise LookupError("no such user")
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", allowZip64=True) as zip_file:
        job = _Export(session, user, ArchiveWriter(zip_file), progress or (lambda *_: None))
        _write_files(job)
        _write_records(job)
        _write_conversations_json(job)
        _write_conversation_pages(job)
        _write_index(job)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": utcnow(),
            "user_id": user.id,
            "counts": job.counts,
            "files": job.writer.entries,
            "missing_files": sorted(job.missing),
            "not_included": [*NOT_INCLUDED, *NOT_EXPORTED.values()],
        }
        job.writer.json("manifest.json", manifest)
    return job.counts
