"""The readable copy in an export opens offline in Chromium, with its images, and runs nothing."""

import zipfile

import pytest

from nomask_app.services.privacy import exports
from tests.privacy_data import populate


@pytest.fixture
def unpacked(session, tmp_path):
    alice = populate(session, name="Alice Offline", email="offline@example.com")
    folder = tmp_path / "export"
    with zipfile.ZipFile(exports.archive_path(alice.export_id)) as archive:
        archive.extractall(folder)
    return alice, folder


def test_the_html_copy_opens_offline_with_its_images_and_no_network(browser, unpacked):
    alice, folder = unpacked
    context = browser.new_context(java_script_enabled=True, offline=True)
    page = context.new_page()
    requests, problems = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto((folder / "index.html").as_uri())
    assert page.title() == "Your NoMask AI data · NoMask AI export"
    links = page.get_by_role("link").filter(has_text="secret-of")
    assert links.count() == 2
    images = page.locator("img")
    assert images.count() == 3  # upload, generated, edited (not the text file)
    _assert_all_loaded(page)

    links.filter(has_text="Look at this").click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"conversations/{alice.conversation_ids[0]}.html")
    # The message text is shown as text: the script in it is neither an element nor run.
    assert page.locator("script").count() == 0
    question = f"Look at this, {alice.secret} <script>alert(1)</script>"
    assert page.locator("p.text").all_inner_texts() == [question, f"Answer to: {question}"]
    assert page.get_by_role("heading", level=1).inner_text() == question
    assert page.locator("img").count() == 1
    _assert_all_loaded(page)
    page.get_by_role("link", name="All data").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/index.html")

    context.close()
    assert requests and all(url.startswith("file://") for url in requests), requests
    assert problems == []


def _assert_all_loaded(page) -> None:
    loaded = page.evaluate("Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
    assert loaded and all(loaded), loaded
