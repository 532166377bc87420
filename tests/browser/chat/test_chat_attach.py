""" "Attach file" states the plan's limit and refuses a larger file before sending it."""

from playwright.sync_api import expect

from tests.browser.helpers import sign_up


def test_the_attach_limit_is_stated_and_checked_in_the_browser(page, tmp_path, assert_accessible):
    sign_up(page)
    # The shared app runs with billing on: the free plan allows 10 MB per file.
    limit = page.locator("#attach-limit")
    expect(limit).to_have_text("Up to 10 MB per file.")
    expect(page.get_by_role("button", name="Attach file")).to_have_attribute(
        "aria-describedby", "attach-limit"
    )
    assert_accessible(page)
    box = page.get_by_role("textbox", name="Message")
    box.fill("Here is the report I mentioned")
    uploads = []
    page.on("request", lambda request: "/_upload" in request.url and uploads.append(request))
    big = tmp_path / "annual report.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"\0" * 12_000_000)
    page.get_by_role("button", name="Attach file").click()  # opens the chooser
    page.locator("input[type=file]").set_input_files(str(big))
    expect(page.get_by_role("alert")).to_have_text(
        "“annual report.pdf” is too large: files can be at most 10 MB on the Free plan."
    )
    # Nothing was sent, nothing attached, and the text typed is still there.
    assert all(len(request.post_data_buffer or b"") < 100_000 for request in uploads)
    expect(page.get_by_role("button", name="Remove annual report.pdf")).to_have_count(0)
    expect(box).to_have_value("Here is the report I mentioned")
