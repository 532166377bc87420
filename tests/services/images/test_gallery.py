"""The studio's files: uploads refused or cleaned, thumbnails, sharing, deletion, owners."""

import io

import pytest
from PIL import Image
from sqlmodel import select

from nomask_app.models import Message, StoredFile
from nomask_app.services.billing.quotas import QuotaExceeded
from nomask_app.services.chat import conversations
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.images import files, gallery
from tests.factories import make_user
from tests.image_samples import bad_files, has_gps, image_bytes, jpeg_with_gps


def _upload(session, user, data=None, name="photo.png"):
    row = gallery.upload_image(
        session=session, user_id=user.id, data=data or image_bytes(), filename=name
    )
    session.commit()
    return row


def _on_disk(settings_root) -> set[str]:
    return {p.name for p in settings_root.glob("*/*")} if settings_root.exists() else set()


def _store_root():
    from nomask_app.config import get_settings

    return get_settings().files_dir


@pytest.mark.parametrize("name", list(bad_files()))
def test_the_bad_file_corpus_is_refused_and_nothing_is_stored(session, name):
    user = make_user(session)
    with pytest.raises(FieldErrors) as caught:
        gallery.upload_image(
            session=session, user_id=user.id, data=bad_files()[name], filename=name
        )
    session.rollback()
    message = caught.value.errors["file"]
    assert name in message
    expected = {
        "page.png": "not a valid image",
        "logo.svg": "not a valid image",
        "half.jpg": "damaged or incomplete",
        "empty.png": "is empty",
        "bomb.png": "pixels",
        "polyglot.png": "not a plain image",
    }[name]
    assert expected in message
    assert session.exec(select(StoredFile)).all() == []
    assert _on_disk(_store_root()) == set()


def test_gps_is_gone_after_upload_and_orientation_is_applied(session):
    user = make_user(session)
    original = jpeg_with_gps()
    assert has_gps(original)
    row = _upload(session, user, original, "holiday.jpg")
    stored = files.read_bytes(row)
    assert not has_gps(stored)
    assert (row.width, row.height) == (40, 80)
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (40, 80)


def test_an_upload_gets_one_thumbnail_made_at_store_time(session):
    user = make_user(session)
    row = _upload(session, user, image_bytes(size=(1200, 600)))
    assert row.kind == "upload" and row.thumbnail_key
    with Image.open(io.BytesIO(files.read_thumbnail(row))) as thumb:
        assert thumb.format == "WEBP"
        assert thumb.size == (320, 160)


def test_uploads_larger_than_the_plan_allows_are_refused(session, monkeypatch, operator_caps):
    from nomask_app.config import get_settings

    user = make_user(session)
    big = image_bytes(size=(2000, 2000), fmt="BMP")  # a real image of ~12 MB
    monkeypatch.setenv("NOMASK_MAX_UPLOAD_BYTES", str(30 * 1024 * 1024))
    get_settings.cache_clear()
    # Over the plan's size: one message naming the file, its size and the plan's limit.
    with pytest.raises(QuotaExceeded) as caught:
        gallery.upload_image(session=session, user_id=user.id, data=big, filename="x.bmp")
    assert caught.value.reason == "upload_size"
    assert caught.value.message.startswith(
        "“x.bmp” is 12 MB: files can be at most 10 MB on the Free plan."
    )
    noisy = io.BytesIO()
    Image.effect_noise((2600, 2600), 90).convert("RGB").save(noisy, "PNG")
    assert len(noisy.getvalue()) > 10_000_000  # over the free plan's 10 MB
    with pytest.raises(QuotaExceeded) as caught:
        gallery.upload_image(session=session, user_id=user.id, data=noisy.getvalue(), filename="n")
    assert caught.value.reason == "upload_size"
    # Only part of a huge file is read; its whole size is what the message states.
    with pytest.raises(QuotaExceeded) as caught:
        gallery.upload_image(
            session=session, user_id=user.id, data=b"x" * 100, filename="huge.png", size=23_400_000
        )
    assert "“huge.png” is 23.4 MB" in caught.value.message
    session.rollback()
    assert session.exec(select(StoredFile)).all() == []
    get_settings.cache_clear()


def test_the_gallery_lists_only_the_owners_images(session):
    owner, other = make_user(session), make_user(session)
    first = _upload(session, owner, name="first.png")
    second = _upload(session, owner, name="second.png")
    _upload(session, other, name="theirs.png")
    files.store_bytes(
        session=session,
        user_id=owner.id,
        data=b"notes",
        filename="notes.txt",
        content_type="text/plain; charset=utf-8",
    )
    session.commit()
    rows, more = gallery.list_images(session=session, user_id=owner.id)
    assert {r.id for r in rows} == {first.id, second.id}
    assert not more
    rows, more = gallery.list_images(session=session, user_id=owner.id, limit=1)
    assert len(rows) == 1 and more
    with pytest.raises(NotFound):
        gallery.get_image(session=session, user_id=other.id, file_id=first.id)


def test_sharing_into_a_new_conversation_attaches_the_image(session):
    user = make_user(session)
    row = _upload(session, user, name="cat.png")
    conversation = gallery.share_to_conversation(
        session=session, user_id=user.id, file_id=row.id, conversation_id=None, note="My cat"
    )
    session.commit()
    session.refresh(row)
    assert conversation.title == "My cat"
    assert row.conversation_id == conversation.id
    message = session.get(Message, row.message_id)
    assert (message.role, message.content, message.conversation_id) == (
        "user",
        "My cat",
        conversation.id,
    )


def test_sharing_an_attached_image_again_copies_it(session):
    user = make_user(session)
    row = _upload(session, user, name="cat.png")
    first = gallery.share_to_conversation(
        session=session, user_id=user.id, file_id=row.id, conversation_id=None, note=""
    )
    second = gallery.share_to_conversation(
        session=session, user_id=user.id, file_id=row.id, conversation_id=None, note="again"
    )
    session.commit()
    session.refresh(row)
    assert row.conversation_id == first.id  # the first message keeps its image
    copy = session.exec(select(StoredFile).where(StoredFile.conversation_id == second.id)).one()
    assert copy.source_file_id == row.id and copy.thumbnail_key != row.thumbnail_key
    assert files.read_bytes(copy) == files.read_bytes(row)


def test_sharing_checks_owners(session):
    owner, other = make_user(session), make_user(session)
    mine = _upload(session, owner)
    theirs = _upload(session, other)
    their_chat = gallery.share_to_conversation(
        session=session, user_id=other.id, file_id=theirs.id, conversation_id=None, note="x"
    )
    session.commit()
    with pytest.raises(NotFound):
        gallery.share_to_conversation(
            session=session, user_id=owner.id, file_id=theirs.id, conversation_id=None, note=""
        )
    with pytest.raises(NotFound):
        gallery.share_to_conversation(
            session=session,
            user_id=owner.id,
            file_id=mine.id,
            conversation_id=their_chat.id,
            note="",
        )
    session.rollback()


def test_deleting_a_conversation_removes_its_images_versions_and_thumbnails(session):
    from nomask_app.services.images import image_editing

    user = make_user(session)
    row = _upload(session, user)
    conversation = gallery.share_to_conversation(
        session=session, user_id=user.id, file_id=row.id, conversation_id=None, note="x"
    )
    session.commit()
    recipe = image_editing.Recipe().with_step(("rotate", 90))
    version = image_editing.save_copy(
        session=session, user_id=user.id, file_id=row.id, recipe=recipe
    )
    session.commit()
    assert version.conversation_id == conversation.id  # it came from that conversation
    kept = _upload(session, user, name="not-shared.png")
    before = _on_disk(_store_root())
    assert len(before) == 6  # three images, three thumbnails
    keys = conversations.delete_conversation(
        session=session, user_id=user.id, conversation_id=conversation.id
    )
    session.commit()
    files.remove_stored(keys)
    assert _on_disk(_store_root()) == {kept.storage_key, kept.thumbnail_key}
    assert [r.id for r in session.exec(select(StoredFile))] == [kept.id]


def test_deleting_an_image_removes_it_and_its_thumbnail_and_keeps_versions(session):
    from nomask_app.services.images import image_editing

    user, other = make_user(session), make_user(session)
    row = _upload(session, user)
    version = image_editing.save_copy(
        session=session,
        user_id=user.id,
        file_id=row.id,
        recipe=image_editing.Recipe().with_filter("grayscale"),
    )
    session.commit()
    with pytest.raises(NotFound):
        gallery.delete_image(session=session, user_id=other.id, file_id=row.id)
    keys = gallery.delete_image(session=session, user_id=user.id, file_id=row.id)
    session.commit()
    files.remove_stored(keys)
    assert set(keys) == {row.storage_key, row.thumbnail_key}
    session.refresh(version)
    assert version.source_file_id is None
    assert _on_disk(_store_root()) == {version.storage_key, version.thumbnail_key}


def test_sweeping_orphans_keeps_thumbnails(session):
    user = make_user(session)
    row = _upload(session, user)
    stray = files.path_for("ab" * 20)
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"left over")
    assert files.sweep_orphans(session=session) == 1
    assert _on_disk(_store_root()) == {row.storage_key, row.thumbnail_key}


def test_names_from_prompts():
    assert (
        gallery.name_from_prompt("A red fox, in the snow!", ".png") == "a-red-fox-in-the-snow.png"
    )
    assert gallery.name_from_prompt("!!!", ".png") == "image.png"
