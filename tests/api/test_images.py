"""Images and their thumbnails are served to their owner only, privately."""

from nomask_app.services.images import files, gallery
from tests.image_samples import image_bytes


def _image(session, user):
    row = gallery.upload_image(
        session=session, user_id=user.id, data=image_bytes(size=(900, 600)), filename="a.png"
    )
    session.commit()
    return row


def test_thumbnails_are_private_and_owner_only(signed_in, session, client):
    owner_client, owner = signed_in()
    other_client, _ = signed_in()
    row = _image(session, owner)
    url = f"/api/files/{row.id}/thumbnail"
    response = owner_client.get(url)
    assert response.status_code == 200
    assert response.content == files.read_thumbnail(row)
    assert response.headers["content-type"] == "image/webp"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]
    for stranger in (other_client, client):
        assert stranger.get(url).status_code == 404
        assert stranger.get(f"/api/files/{row.id}").status_code == 404
    assert owner_client.get("/api/files/nope/thumbnail").status_code == 404


def test_a_text_file_has_no_thumbnail_and_old_images_are_served_whole(signed_in, session):
    client, user = signed_in()
    text = files.store_bytes(
        session=session,
        user_id=user.id,
        data=b"hello",
        filename="n.txt",
        content_type="text/plain; charset=utf-8",
    )
    old = files.store_bytes(
        session=session,
        user_id=user.id,
        data=image_bytes(),
        filename="o.png",
        content_type="image/png",
    )
    session.commit()
    assert client.get(f"/api/files/{text.id}/thumbnail").status_code == 404
    response = client.get(f"/api/files/{old.id}/thumbnail")
    assert response.status_code == 200 and response.content == image_bytes()
    assert response.headers["content-type"] == "image/png"
