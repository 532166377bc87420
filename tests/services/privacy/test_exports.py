"""Data exports: what the archive holds, checksums, limits, expiry (policy §5 "Access")."""

import hashlib
import json
import zipfile
from datetime import timedelta

import pytest
from sqlmodel import select

from nomask_app.models import DataExport, Message, SecurityEvent, StoredFile
from nomask_app.models.common import utcnow
from nomask_app.services.billing.subscriptions import current_plan
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.images import files
from nomask_app.services.operations import emails
from nomask_app.services.privacy import erasure, export_jobs, exports, privacy_sweep
from nomask_app.services.privacy.export_archive import EXPORTED_IN, NOT_EXPORTED
from tests.factories import make_user
from tests.mail import body, sent
from tests.privacy_data import populate


def _archive(export_id: str) -> zipfile.ZipFile:
    return zipfile.ZipFile(exports.archive_path(export_id))


def _json(archive: zipfile.ZipFile, name: str):
    return json.loads(archive.read(name))


def test_the_archive_holds_every_conversation_message_and_file_with_checksums(session):
    alice = populate(session, name="Alice Exporter", email="exporter@example.com")
    bob = populate(session, name="Bob Bystander", email="bystander@example.com")

    with _archive(alice.export_id) as archive:
        names = set(archive.namelist())
        manifest = _json(archive, "manifest.json")
        # Every member but the manifest is listed, and every checksum matches.
        listed = {entry["path"]: entry for entry in manifest["files"]}
        assert set(listed) == names - {"manifest.json"}
        for name, entry in listed.items():
            data = archive.read(name)
            assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
            assert len(data) == entry["size"]
        for required in (
            "account.json",
            "conversations.json",
            "files.json",
            "sessions.json",
            "consents.json",
            "security_events.json",
            "billing.json",
            "ai_providers.json",
            "index.html",
        ):
            assert required in names
        assert manifest["format_version"] == 1 and manifest["missing_files"] == []

        # Every conversation and message, with model, provider and usage.
        conversations = _json(archive, "conversations.json")["conversations"]
        stored = session.exec(select(Message).where(Message.user_id == alice.id)).all()
        assert {c["id"] for c in conversations} == set(alice.conversation_ids)
        exported = {m["id"]: m for c in conversations for m in c["messages"]}
        assert set(exported) == {m.id for m in stored}
        for message in stored:
            record = exported[message.id]
            assert record["content"] == message.content
            assert record["created_at"] == message.created_at.isoformat()
            assert (record["model"], record["provider"]) == (message.model, message.provider)
            assert record["usage"]["prompt_tokens"] == message.prompt_tokens
        # Every version too ("Regenerate" kept one), with where it sits in the tree.
        assert manifest["counts"]["messages"] == len(stored) == 5
        answers = [m for m in exported.values() if m["role"] == "assistant"]
        assert len(answers) == 3 and all(m["parent_id"] in exported for m in answers)
        assert sum(not m["on_shown_path"] for m in answers) == 1
        assert manifest["counts"]["conversations"] == 2

        # Every stored file, byte for byte, named in files.json.
        rows = session.exec(select(StoredFile).where(StoredFile.user_id == alice.id)).all()
        described = {f["id"]: f for f in _json(archive, "files.json")}
        assert set(described) == {row.id for row in rows} and len(rows) == 4
        for row in rows:
            assert archive.read(described[row.id]["path"]) == files.read_bytes(row)
        kinds = {f["kind"] for f in described.values()}
        assert kinds == {"upload", "generated", "edited"}
        [generated] = [f for f in described.values() if f["kind"] == "generated"]
        assert (generated["model"], generated["image_size"]) == ("demo", "24x16")
        assert generated["prompt"].startswith("a ") and len(generated["prompt"]) > 2

        # One readable page per conversation; text is escaped, images are local.
        for conversation_id in alice.conversation_ids:
            assert f"conversations/{conversation_id}.html" in names
        page = archive.read(f"conversations/{alice.conversation_ids[0]}.html").decode()
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert 'src="../files/' in page and "http" not in page.split("</head>")[1]
        assert "default-src 'none'" in page

        # The other records.
        account = _json(archive, "account.json")
        assert account["email"] == "exporter@example.com" and "password_hash" not in account
        assert account["pending_email_change"] == alice.new_email
        sessions = _json(archive, "sessions.json")
        assert sessions[0]["ip_address"] == "203.0.113.7" and "token_hash" not in sessions[0]
        consents = {(c["subject"], c["choice"]) for c in _json(archive, "consents.json")}
        assert {("privacy_policy", "accepted"), ("age_18", "confirmed")} <= consents
        events = {e["kind"] for e in _json(archive, "security_events.json")}
        assert {"account.created", "signin.succeeded", "export.requested"} <= events
        billing = _json(archive, "billing.json")
        plan = current_plan(session=session, user_id=alice.id)
        assert billing["plan"]["id"] == plan.id and billing["usage_events"][0]["model"]
        # What each AI provider received: ids, provider, model, tokens; never content.
        sent_to = _json(archive, "ai_providers.json")
        assert [r["conversation_id"] for r in sent_to] == alice.conversation_ids
        user_messages = {m["id"] for m in exported.values() if m["role"] == "user"}
        assert {i for r in sent_to for i in r["message_ids"]} == user_messages
        assert {(r["provider"], r["status"], r["prompt_tokens"]) for r in sent_to} == {
            ("openai", "complete", 12)
        }
        assert alice.secret not in json.dumps(sent_to)
        assert account["preferences"]["auto_delete_days"] == 0

        # Nothing of anyone else.
        everything = b"".join(archive.read(name) for name in names)
        for foreign in (bob.email.encode(), bob.secret.encode(), bob.id.encode()):
            assert foreign not in everything


def test_the_ready_email_links_to_the_privacy_center_and_holds_no_content(session):
    alice = populate(session, name="Alice Mail", email="mail@example.com")
    [message] = sent(emails.EXPORT_READY, to="mail@example.com")
    text = body(message)
    assert "/privacy" in text and alice.secret not in text and alice.export_id not in text
    export = session.get(DataExport, alice.export_id)
    assert export.status == "ready" and export.progress == 100
    assert export.expires_at - export.finished_at == timedelta(hours=24)


def test_one_export_an_hour_with_a_clear_next_time(session):
    user = make_user(session)
    first = exports.request_export(session=session, user_id=user.id)
    session.commit()
    with pytest.raises(FieldErrors) as caught:
        exports.request_export(
            session=session, user_id=user.id, now=first.created_at + timedelta(minutes=20)
        )
    message = caught.value.errors["export"]
    next_at = first.created_at + timedelta(hours=1)
    assert f"possible at {next_at:%H:%M} UTC" in message and "(in 40 minutes)" in message
    session.rollback()
    # A failed export does not count; an hour later another one is fine.
    first = session.get(DataExport, first.id)
    exports.fail(session=session, export_id=first.id, error="broken")
    session.commit()
    second = exports.request_export(session=session, user_id=user.id)
    session.commit()
    later = second.created_at + timedelta(minutes=61)
    assert exports.request_export(session=session, user_id=user.id, now=later).id != second.id


def test_only_the_owner_can_get_a_ready_unexpired_export(session):
    alice = populate(session, name="Alice Owner", email="owner@example.com")
    other = make_user(session)
    assert exports.downloadable(session=session, user_id=alice.id, export_id=alice.export_id)
    for user_id, export_id in (
        (other.id, alice.export_id),
        (alice.id, "0" * 32),
        (alice.id, "../x"),
    ):
        with pytest.raises(NotFound):
            exports.downloadable(session=session, user_id=user_id, export_id=export_id)
    export = session.get(DataExport, alice.export_id)
    export.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    with pytest.raises(NotFound):
        exports.downloadable(session=session, user_id=alice.id, export_id=alice.export_id)


def test_expiry_deletes_the_row_and_the_archive(session):
    alice = populate(session, name="Alice Expiring", email="expiring@example.com")
    path = exports.archive_path(alice.export_id)
    assert path.is_file()
    export = session.get(DataExport, alice.export_id)
    export.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    assert privacy_sweep.sweep().exports_expired == 1
    session.expire_all()
    assert session.get(DataExport, alice.export_id) is None
    assert not path.exists()


def test_an_export_whose_job_died_is_built_by_the_sweep(session):
    user = make_user(session)
    export = exports.request_export(session=session, user_id=user.id)
    export.status, export.updated_at = "running", utcnow() - timedelta(minutes=5)
    session.commit()
    assert privacy_sweep.sweep().exports_resumed == 1
    session.expire_all()
    assert session.get(DataExport, export.id).status == "ready"
    assert exports.archive_path(export.id).is_file()


def test_a_failing_build_is_reported_and_leaves_no_file(session, monkeypatch):
    user = make_user(session)
    export = exports.request_export(session=session, user_id=user.id)
    session.commit()

    def broken(**_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(export_jobs, "write_archive", broken)
    assert export_jobs.build(export.id) is False
    session.expire_all()
    assert session.get(DataExport, export.id).status == "failed"
    assert not exports.partial_path(export.id).exists()
    assert not exports.archive_path(export.id).exists()


def test_an_export_records_a_security_event(session):
    alice = populate(session, name="Alice Event", email="event@example.com")
    kinds = session.exec(select(SecurityEvent.kind).where(SecurityEvent.user_id == alice.id)).all()
    assert "export.requested" in kinds


def test_every_table_of_personal_data_is_exported_or_says_why_not():
    assert set(EXPORTED_IN) & set(NOT_EXPORTED) == set()
    assert set(EXPORTED_IN) | set(NOT_EXPORTED) == set(erasure.ERASERS), (
        "say in nomask_app/services/privacy/export_archive.py where each table of personal data "
        "goes in the export (EXPORTED_IN) or why it does not (NOT_EXPORTED)"
    )
