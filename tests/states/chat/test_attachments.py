"""Taking an attachment back out of the composer removes it, thumbnail included."""

from sqlmodel import select

from nomask_app.models import StoredFile
from nomask_app.services.images import files, gallery
from nomask_app.states.chat.attachments import _discard
from tests.factories import make_user
from tests.image_samples import image_bytes


def test_removing_a_pending_image_deletes_it_and_its_thumbnail(session):
    user = make_user(session)
    row = gallery.upload_image(
        session=session, user_id=user.id, data=image_bytes(), filename="dot.png"
    )
    session.commit()
    paths = [files.path_for(row.storage_key), files.path_for(row.thumbnail_key)]
    assert all(path.exists() for path in paths)
    _discard(user.id, row.id)
    assert not any(path.exists() for path in paths)
    assert session.exec(select(StoredFile)).all() == []
