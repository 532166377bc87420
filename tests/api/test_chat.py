import json
import threading
import time
import zlib
from datetime import timedelta

from nomask_app.db import session_scope
from nomask_app.models import Message
from nomask_app.models.common import utcnow
from nomask_app.services.chat import reply_progress
from nomask_app.services.images import files
from tests.factories import post_message


def _events(response) -> list[tuple[str, dict, str | None]]:
    events, name, data, event_id = [], None, None, None
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data = json.loads(line[6:])
        elif line.startswith("id: "):
            event_id = line[4:]
        elif line == "" and name:
            events.append((name, data, event_id))
            name, data, event_id = None, None, None
    return events


def _finished_reply(signed_in, session):
    """A signed-in client and its turn whose reply is stored complete: "Hello world"."""
    client, user = signed_in()
    turn = post_message(session, user)
    reply_progress.finish_reply(
        session=session, message_id=turn.reply.id, content="Hello world", status="complete"
    )
    session.commit()
    return client, turn


def test_a_finished_reply_streams_from_the_requested_offset(signed_in, session):
    client, turn = _finished_reply(signed_in, session)
    with client.stream("GET", f"/api/messages/{turn.reply.id}/stream") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-store"
        events = _events(response)
    assert events == [
        ("delta", {"t": "Hello world"}, "11"),
        ("done", {"status": "complete", "error": ""}, "11"),
    ]
    with client.stream(
        "GET", f"/api/messages/{turn.reply.id}/stream", headers={"last-event-id": "6"}
    ) as response:
        assert _events(response)[0][1] == {"t": "world"}


async def test_the_event_stream_is_gzipped_and_each_event_decodes_as_it_arrives():
    from nomask_app.api.chat import sse_body

    async def events():
        yield 'id: 6\nevent: delta\ndata: {"t": "Hello "}\n\n'
        yield 'id: 11\nevent: delta\ndata: {"t": "world"}\n\n'

    unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
    # Every piece is complete on its own: the browser shows each event without waiting.
    seen = [unpacker.decompress(piece) async for piece in sse_body(events(), gzip=True)]
    assert seen[:3] == [
        b"retry: 1000\n\n",
        b'id: 6\nevent: delta\ndata: {"t": "Hello "}\n\n',
        b'id: 11\nevent: delta\ndata: {"t": "world"}\n\n',
    ]
    plain = [piece async for piece in sse_body(events(), gzip=False)]
    assert b"".join(plain) == b"".join(seen)


def test_a_stream_is_gzipped_only_for_clients_that_accept_it(signed_in, session):
    client, turn = _finished_reply(signed_in, session)
    url = f"/api/messages/{turn.reply.id}/stream"
    for accepted, encoding in (("gzip, deflate", "gzip"), ("identity", None)):
        with client.stream("GET", url, headers={"accept-encoding": accepted}) as response:
            assert response.headers.get("content-encoding") == encoding
            assert _events(response)[0][1] == {"t": "Hello world"}


def test_a_reply_written_by_another_worker_is_followed_through_the_database(signed_in, session):
    client, user = signed_in()
    turn = post_message(session, user)

    def other_worker():
        for content in ("Hel", "Hello wor"):
            time.sleep(0.3)
            with session_scope() as s:
                reply_progress.save_progress(session=s, progress={turn.reply.id: content})
        time.sleep(0.3)
        with session_scope() as s:
            reply_progress.finish_reply(
                session=s, message_id=turn.reply.id, content="Hello world!", status="complete"
            )

    writer = threading.Thread(target=other_worker)
    writer.start()
    with client.stream("GET", f"/api/messages/{turn.reply.id}/stream") as response:
        events = _events(response)
    writer.join()
    text = "".join(data["t"] for name, data, _ in events if name == "delta")
    assert text == "Hello world!"
    assert events[-1][:2] == ("done", {"status": "complete", "error": ""})


def test_an_orphaned_streaming_reply_is_marked_failed(signed_in, session):
    client, user = signed_in()
    turn = post_message(session, user)
    reply = session.get(Message, turn.reply.id)
    reply.content, reply.updated_at = "partial", utcnow() - timedelta(minutes=5)
    session.add(reply)
    session.commit()
    with client.stream("GET", f"/api/messages/{turn.reply.id}/stream") as response:
        events = _events(response)
    assert events[0][:2] == ("delta", {"t": "partial"})
    assert events[-1][0] == "done" and events[-1][1]["status"] == "failed"


def test_other_people_and_strangers_get_404(signed_in, session, client):
    owner_client, owner = signed_in()
    other_client, _ = signed_in()
    turn = post_message(session, owner)
    url = f"/api/messages/{turn.reply.id}/stream"
    assert other_client.get(url).status_code == 404
    assert client.get(url).status_code == 404  # not signed in
    assert owner_client.get(f"/api/messages/{turn.user_message.id}/stream").status_code == 404
    assert owner_client.get("/api/messages/nope/stream").status_code == 404


def _stored(session, user, data=b"\x89PNG fake", content_type="image/png", name="a.png"):
    row = files.store_bytes(
        session=session, user_id=user.id, data=data, filename=name, content_type=content_type
    )
    session.commit()
    return row


def test_files_are_served_to_their_owner_only_and_never_cached(signed_in, session, client):
    owner_client, owner = signed_in()
    other_client, _ = signed_in()
    image = _stored(session, owner)
    response = owner_client.get(f"/api/files/{image.id}")
    assert response.status_code == 200
    assert response.content == b"\x89PNG fake"
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["content-disposition"].startswith("inline")
    # "Download original": the same file as an attachment, under its own name.
    saved = owner_client.get(f"/api/files/{image.id}?download=1")
    assert saved.headers["content-disposition"] == "attachment; filename*=UTF-8''a.png"
    assert saved.content == b"\x89PNG fake"
    assert other_client.get(f"/api/files/{image.id}?download=1").status_code == 404
    assert other_client.get(f"/api/files/{image.id}").status_code == 404
    assert client.get(f"/api/files/{image.id}").status_code == 404
    text = _stored(session, owner, b"<script>x</script>", "text/plain; charset=utf-8", "n.html")
    download = owner_client.get(f"/api/files/{text.id}")
    assert download.headers["content-disposition"].startswith("attachment")


def test_a_file_missing_on_disk_is_404(signed_in, session):
    client, user = signed_in()
    row = _stored(session, user)
    files.remove_stored([row.storage_key])
    assert client.get(f"/api/files/{row.id}").status_code == 404
