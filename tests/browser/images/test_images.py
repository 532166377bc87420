"""The image studio in the production build, against the local fake image provider."""

import io
import re

from PIL import Image
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from nomask_app.db import build_engine
from nomask_app.models import StoredFile, User
from tests.browser.chat_steps import conversation_id, messages, send
from tests.browser.helpers import at, sign_out, sign_up, wait_until
from tests.image_samples import bad_files, jpeg_with_gps

_SETTLED = "() => document.getAnimations().every(a => a.playState !== 'running')"


def _open_studio(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Images").click()
    expect(page).to_have_url(at("/images"))
    expect(page.get_by_role("heading", name="Image studio", level=1)).to_be_visible()
    expect(page.get_by_label("Image model")).to_have_value("painter")
    # The link just clicked fades back from its hover colour: let axe see the end state.
    page.mouse.move(0, 0)
    page.wait_for_function(_SETTLED)


def _upload(page: Page, path) -> None:
    page.get_by_role("button", name="Upload image").click()  # opens the chooser
    page.locator("input[type=file]").set_input_files(str(path))


def _rows(app_server, email: str) -> list[StoredFile]:
    engine = build_engine(app_server.env["NOMASK_DATABASE_URL"])
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        rows = list(session.exec(select(StoredFile).where(StoredFile.user_id == user.id)))
    engine.dispose()
    return rows


def _drag(page: Page, element, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Drag across an element, from and to fractions of its size."""
    element.scroll_into_view_if_needed()
    box = element.bounding_box()
    page.mouse.move(box["x"] + box["width"] * start[0], box["y"] + box["height"] * start[1])
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * end[0], box["y"] + box["height"] * end[1], steps=8)
    page.mouse.up()


def _preview_size(page: Page) -> tuple[int, int]:
    preview = page.get_by_role("img", name=re.compile("^Preview of"))
    return preview.evaluate("img => [img.naturalWidth, img.naturalHeight]")


def test_upload_rotate_adjust_save_a_copy_and_send_it_to_chat(
    page, app_server, assert_accessible, tmp_path
):
    email = sign_up(page)
    _open_studio(page)
    assert_accessible(page)
    photo = tmp_path / "holiday.jpg"
    photo.write_bytes(jpeg_with_gps(size=(300, 200)))  # shown upright: 200 wide, 300 high
    _upload(page, photo)
    expect(page.get_by_role("heading", name="holiday.jpg", level=2)).to_be_visible()
    expect(page.get_by_role("button", name="Open holiday.jpg")).to_be_visible()
    expect(page.locator("#editor-size")).to_have_text("200×300")
    assert_accessible(page)

    page.get_by_role("button", name="Rotate left").click()
    expect(page.locator("#editor-size")).to_have_text("300×200")
    slider = page.get_by_role("slider", name="Brightness")
    slider.focus()
    for _ in range(5):
        slider.press("ArrowRight")
    expect(slider).to_have_value("105")
    page.get_by_role("button", name="Undo").click()
    expect(slider).to_have_value("104")
    page.get_by_role("button", name="Redo").click()
    expect(slider).to_have_value("105")
    page.get_by_role("slider", name="Contrast").fill("150")
    expect(page.get_by_role("slider", name="Contrast")).to_have_value("150")

    page.get_by_role("button", name="Save copy").click()
    expect(page.get_by_text(re.compile("Saved a copy: holiday-edited.jpg"))).to_be_visible()
    expect(page.get_by_role("button", name="Open holiday-edited.jpg")).to_be_visible()
    rows = {row.filename: row for row in _rows(app_server, email)}
    original, copy = rows["holiday.jpg"], rows["holiday-edited.jpg"]
    assert (copy.kind, copy.source_file_id) == ("edited", original.id)
    assert (copy.width, copy.height) == (300, 200)
    assert (original.width, original.height) == (200, 300)  # never overwritten

    page.get_by_role("button", name="Send to chat").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Conversation")).to_have_value("new")
    assert_accessible(page, within="[role=dialog]")
    dialog.get_by_label("Note (optional)").fill("Our holiday, brightened")
    dialog.get_by_role("button", name="Send image").click()
    chat_id = conversation_id(page)
    sent = messages(page, "user")
    expect(sent).to_have_text(re.compile("Our holiday, brightened"))
    expect(sent.get_by_role("img", name="holiday-edited.jpg")).to_be_visible()
    shared = {row.filename: row for row in _rows(app_server, email)}["holiday-edited.jpg"]
    assert shared.conversation_id == chat_id and shared.message_id


def test_a_stranger_gets_404_for_images_and_thumbnails(page, app_server, tmp_path):
    email = sign_up(page)
    _open_studio(page)
    picture = tmp_path / "mine.png"
    Image.new("RGB", (40, 30), (1, 2, 3)).save(picture)
    _upload(page, picture)
    expect(page.get_by_role("button", name="Open mine.png")).to_be_visible()
    [row] = _rows(app_server, email)
    assert page.request.get(f"/api/files/{row.id}/thumbnail").status == 200
    sign_out(page)
    sign_up(page)
    for path in (f"/api/files/{row.id}", f"/api/files/{row.id}/thumbnail"):
        response = page.request.get(path)
        assert response.status == 404
        assert response.headers["cache-control"] == "no-store"


def test_deleting_an_image_removes_it_for_good(page, app_server, assert_accessible, tmp_path):
    email = sign_up(page)
    _open_studio(page)
    picture = tmp_path / "old.png"
    Image.new("RGB", (40, 30), (9, 9, 9)).save(picture)
    _upload(page, picture)
    expect(page.get_by_role("button", name="Open old.png")).to_be_visible()
    [row] = _rows(app_server, email)
    page.get_by_role("button", name="Delete image").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog.get_by_role("button", name="Delete for good")).to_be_visible()
    assert_accessible(page, within="[role=alertdialog]")
    dialog.get_by_role("button", name="Delete for good").click()
    expect(page.get_by_text("No images yet")).to_be_visible()
    expect(page.get_by_role("heading", name="old.png")).to_have_count(0)
    assert _rows(app_server, email) == []
    assert page.request.get(f"/api/files/{row.id}").status == 404
    assert page.request.get(f"/api/files/{row.id}/thumbnail").status == 404


def test_the_upload_limit_is_stated_and_checked_before_sending(page, tmp_path):
    sign_up(page)
    _open_studio(page)
    # The shared app runs with billing on: the free plan allows 10 MB per file.
    expect(page.locator("#upload-limit")).to_have_text("Up to 10 MB per file.")
    uploads = []
    page.on("request", lambda request: "/_upload" in request.url and uploads.append(request))
    big = tmp_path / "holiday.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 21_000_000)
    _upload(page, big)
    expect(page.get_by_role("alert")).to_have_text(
        "“holiday.png” is too large: files can be at most 10 MB on the Free plan."
    )
    # The file itself never left the browser (an empty upload may still be posted).
    assert all(len(request.post_data_buffer or b"") < 100_000 for request in uploads)


def test_bad_files_are_refused_with_a_clear_message(page, app_server, tmp_path):
    email = sign_up(page)
    _open_studio(page)
    corpus = bad_files()
    for name in ("page.png", "logo.svg", "polyglot.png"):
        path = tmp_path / name
        path.write_bytes(corpus[name])
        _upload(page, path)
        expect(page.get_by_role("alert")).to_contain_text(name)
    expect(page.get_by_text("No images yet")).to_be_visible()
    assert _rows(app_server, email) == []


def test_generate_with_the_fake_provider_shows_progress(page, fake_llm, assert_accessible):
    sign_up(page)
    _open_studio(page)
    # The shared app runs with billing on: the free plan's 20 images a month.
    images_left = page.locator("#images-left")
    expect(images_left).to_have_text(re.compile(r"^20 of 20 images left this month \(resets "))
    page.get_by_label("Number of images").select_option("2")
    page.get_by_label("Size").select_option("1536x1024")
    page.get_by_label("Prompt").fill("[[slow]] a red fox in the snow")
    page.get_by_role("button", name="Generate image").click()
    expect(page.get_by_role("status").filter(has_text="Generating")).to_be_visible()
    # Two pictures from one prompt, each with a name of its own.
    for number in (1, 2):
        expect(
            page.get_by_role("button", name=f"Open slow-a-red-fox-in-the-{number}.png")
        ).to_have_count(1)
    expect(page.get_by_text("1536×1024").first).to_be_visible()
    expect(images_left).to_have_text(re.compile(r"^18 of 20 images left this month"))
    request = fake_llm.image_requests("generations")[-1].body
    assert request == {
        "model": "fake-img",
        "prompt": "[[slow]] a red fox in the snow",
        "n": 2,
        "size": "1536x1024",
    }
    expect(page.get_by_label("Prompt")).to_have_value("[[slow]] a red fox in the snow")
    assert_accessible(page)

    # The open picture says what it was made from, and can be made again.
    editor = page.locator("#image-editor")
    expect(editor.get_by_text("[[slow]] a red fox in the snow")).to_be_visible()
    expect(editor.get_by_text("Fake Painter · 1536x1024")).to_be_visible()
    page.get_by_label("Prompt").fill("something else")
    page.get_by_label("Size", exact=True).select_option("1024x1024")
    editor.get_by_role("button", name="Generate again").click()
    expect(page.get_by_label("Prompt")).to_have_value("[[slow]] a red fox in the snow")
    expect(images_left).to_have_text(re.compile(r"^16 of 20 images left this month"))
    again = fake_llm.image_requests("generations")[-1].body
    assert (again["prompt"], again["size"]) == ("[[slow]] a red fox in the snow", "1536x1024")

    # "Download original" downloads the file instead of opening a tab.
    with page.expect_download() as download:
        editor.get_by_role("link", name="Download original").click()
    assert re.fullmatch(r"slow-a-red-fox-in-the-\d\.png", download.value.suggested_filename)
    assert len(page.context.pages) == 1


def test_at_the_image_quota_the_prompt_is_kept_and_upgrading_is_offered(page, app_server):
    from nomask_app.services.billing.usage import record_usage

    email = sign_up(page)
    engine = build_engine(app_server.env["NOMASK_DATABASE_URL"])
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        for _ in range(20):  # the free plan's images this month
            record_usage(session=session, user_id=user.id, kind="image", model="m", provider="p")
        session.commit()
    engine.dispose()
    _open_studio(page)
    page.get_by_label("Prompt").fill("one image too many")
    page.get_by_role("button", name="Generate image").click()
    expect(page.get_by_role("alert")).to_contain_text("20 image generations")
    expect(page.get_by_role("link", name="See plans and upgrade")).to_have_attribute(
        "href", "/billing"
    )
    expect(page.get_by_label("Prompt")).to_have_value("one image too many")


def test_edit_with_ai_sends_the_painted_mask_and_the_prompt(page, fake_llm, tmp_path):
    sign_up(page)
    _open_studio(page)
    picture = tmp_path / "room.png"
    Image.new("RGB", (400, 300), (200, 200, 200)).save(picture)
    _upload(page, picture)
    expect(page.get_by_role("heading", name="room.png", level=2)).to_be_visible()
    page.get_by_role("button", name="Paint mask").click()
    # Paint a stroke across the top-left quarter of the picture.
    _drag(page, page.get_by_role("img", name="Preview of room.png"), (0.1, 0.2), (0.3, 0.2))
    expect(page.get_by_text("Mask painted")).to_be_visible()
    before = len(fake_llm.image_requests("edits"))
    page.get_by_label("Describe the change").fill("put a window here")
    page.get_by_role("button", name="Edit with AI", exact=True).click()
    wait_until(lambda: len(fake_llm.image_requests("edits")) > before)
    request = fake_llm.image_requests("edits")[-1]
    assert request.body["prompt"] == "put a window here"
    with Image.open(io.BytesIO(request.files["mask"][2])) as mask:
        assert mask.size == (400, 300)
        assert mask.getpixel((80, 60))[3] == 0  # painted: may change
        assert mask.getpixel((350, 250))[3] == 255  # untouched: keep
    with Image.open(io.BytesIO(request.files["image[]"][2])) as sent:
        assert sent.size == (400, 300)
    expect(page.get_by_role("heading", name="put-a-window-here.png", level=2)).to_be_visible()
    expect(page.get_by_role("button", name="Open room.png")).to_be_visible()


def test_crop_by_numbers_and_by_dragging(page, tmp_path):
    sign_up(page)
    _open_studio(page)
    picture = tmp_path / "wide.png"
    Image.new("RGB", (800, 400), (10, 120, 10)).save(picture)
    _upload(page, picture)
    expect(page.locator("#editor-size")).to_have_text("800×400")
    page.get_by_label("Crop width").fill("2000")
    page.get_by_role("button", name="Crop", exact=True).click()
    expect(page.get_by_text(re.compile("must fit inside the picture"))).to_be_visible()
    page.get_by_label("Crop width").fill("400")
    page.get_by_role("button", name="Crop", exact=True).click()
    expect(page.locator("#editor-size")).to_have_text("400×400")
    page.get_by_role("button", name="Draw crop box").click()
    _drag(page, page.get_by_role("img", name="Preview of wide.png"), (0.0, 0.0), (0.5, 0.5))
    expect(page.get_by_label("Crop width")).to_have_value(re.compile("^(19[5-9]|20[0-5])$"))
    page.get_by_role("button", name="Crop", exact=True).click()
    expect(page.locator("#editor-size")).to_have_text(
        re.compile(r"^(19[5-9]|20[0-5])×(19[5-9]|20[0-5])$")
    )
    assert max(_preview_size(page)) <= 1024


def test_a_chat_can_ask_for_an_image(page, fake_llm):
    sign_up(page)
    send(page, "/image a paper boat")
    chat_id = conversation_id(page)
    reply = messages(page, "assistant")
    expect(reply).to_contain_text("a paper boat")
    expect(reply.get_by_role("img")).to_have_count(1)
    assert fake_llm.image_requests("generations")[-1].body["prompt"] == "a paper boat"
    page.goto("/images")
    tile = page.get_by_role("button", name="Open a-paper-boat.png")
    expect(tile).to_be_visible()
    assert chat_id
