"""The cookie banner never moves the page (issue 19.3): layout shift under 0.02."""

from playwright.sync_api import expect

from tests.browser.privacy.test_cookie_consent import BANNER

# From the start of every document: the sum of its layout shifts without user input.
_OBSERVE = """window.__layoutShift = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.__layoutShift += entry.value;
  }
}).observe({type: "layout-shift", buffered: true});"""
# Entries still queued for the observer are delivered before this resolves.
_SHIFT = """() => new Promise((done) => requestAnimationFrame(
  () => setTimeout(() => done(window.__layoutShift), 0)
))"""


def _hydrated(page) -> None:
    # A failed sign-in answers over the websocket: the page is hydrated by then.
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password", exact=True).fill("not-a-password-at-all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Email or password is incorrect.")


def test_the_first_visit_banner_is_there_from_the_first_paint(browser, app_server):
    for viewport in ({"width": 1280, "height": 800}, {"width": 390, "height": 844}):
        context = browser.new_context(base_url=app_server.url, viewport=viewport)
        context.add_init_script(_OBSERVE)
        page = context.new_page()
        page.goto("/login")
        banner = page.get_by_role("region", name=BANNER)
        expect(banner.get_by_role("button", name="Accept all")).to_be_enabled()
        _hydrated(page)
        shift = page.evaluate(_SHIFT)
        assert shift < 0.02, f"layout shift {shift} at {viewport}"
        # A returning visitor: no banner at any moment, and no shift either.
        banner.get_by_role("button", name="Essential only").click()
        expect(banner).to_be_hidden()
        page.goto("/login")
        _hydrated(page)
        expect(page.get_by_role("region", name=BANNER)).to_have_count(0)
        shift = page.evaluate(_SHIFT)
        assert shift < 0.02, f"layout shift {shift} for a returning visitor at {viewport}"
        context.close()
