"""The cookie banner, the cookie page, and what the browser stores before consent."""

import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from nomask_app.services.privacy.consent import CONSENT_COOKIE
from tests.browser.helpers import at, sign_in, sign_up

BANNER = "Cookies on NoMask AI"
CONSENT_VALUE = re.compile(r"^[0-9a-f]{32}\.(all|essential)$")

STORAGE = """() => ({
  cookie: document.cookie,
  local: Object.keys(localStorage),
  session: Object.keys(sessionStorage),
})"""


def _storage(page):
    """What scripts can see in the browser; Reflex's essential tab token excluded."""
    seen = page.evaluate(STORAGE)
    seen["session"] = [key for key in seen["session"] if key != "token"]
    return seen


def _consent_cookie(page):
    return {c["name"]: c for c in page.context.cookies()}.get(CONSENT_COOKIE)


def _wait_for_consent_cookie(page, choice):
    # The app writes the cookie from the websocket's answer.
    page.wait_for_function(
        f"() => /(^|; ){CONSENT_COOKIE}=[0-9a-f]{{32}}\\.{choice}(;|$)/.test(document.cookie)"
    )


def _pick_theme(page, label):
    page.get_by_role("combobox", name="Theme").click()
    page.get_by_role("option", name=label).click()


def _wait_for_a_server_round_trip(page):
    # A failed sign-in answers over the websocket: the page is hydrated by then.
    sign_in(page, "nobody@example.com", "not-a-password-at-all")
    expect(page.get_by_role("alert")).to_have_text("Email or password is incorrect.")


def test_nothing_but_essentials_before_consent_and_after_essential_only(page, assert_accessible):
    page.goto("/login")
    banner = page.get_by_role("region", name=BANNER)
    expect(banner).to_be_visible()
    for name in ("Accept all", "Essential only", "Customize"):
        expect(banner.get_by_role("button", name=name)).to_be_visible()
    assert_accessible(page)
    assert _storage(page) == {"cookie": "", "local": [], "session": []}

    # The theme still applies before consent, but only for this page.
    _pick_theme(page, "Dark")
    expect(page.locator("html")).to_have_class(re.compile(r"\bdark\b"))
    assert _storage(page) == {"cookie": "", "local": [], "session": []}

    banner.get_by_role("button", name="Essential only").click()
    expect(banner).to_be_hidden()
    _wait_for_consent_cookie(page, "essential")
    cookie = _consent_cookie(page)
    assert cookie["value"].endswith(".essential") and CONSENT_VALUE.match(cookie["value"])
    assert cookie["sameSite"] == "Lax"
    assert cookie["expires"] > 0  # persistent: the choice is remembered
    _pick_theme(page, "Light")
    seen = _storage(page)
    assert seen["local"] == [] and seen["session"] == []
    assert seen["cookie"] == f"{CONSENT_COOKIE}={cookie['value']}"

    page.reload()
    _wait_for_a_server_round_trip(page)
    expect(page.get_by_role("region", name=BANNER)).to_be_hidden()


def test_accept_all_remembers_the_theme_and_withdrawing_removes_it(page, assert_accessible):
    page.goto("/login")
    page.get_by_role("button", name="Accept all").click()
    expect(page.get_by_role("region", name=BANNER)).to_be_hidden()
    _wait_for_consent_cookie(page, "all")

    _pick_theme(page, "Dark")
    page.wait_for_function("() => localStorage.getItem('theme') === 'dark'")
    page.reload()
    expect(page.locator("html")).to_have_class(re.compile(r"\bdark\b"))

    page.goto("/settings/cookies")
    switch = page.get_by_role("switch", name="Preference cookies")
    expect(switch).to_be_checked()
    expect(page.get_by_text("Recorded choice: Accept all")).to_be_visible()
    assert_accessible(page)
    switch.click()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_role("status")).to_have_text("Your cookie preferences are saved.")
    expect(page.get_by_text("Recorded choice: Essential only")).to_be_visible()
    page.wait_for_function("() => localStorage.length === 0")
    _wait_for_consent_cookie(page, "essential")
    # Clearing the storage makes the page load again: the confirmation stays.
    page.wait_for_timeout(1_000)
    expect(page.get_by_role("status")).to_have_text("Your cookie preferences are saved.")


def test_customize_leads_to_the_cookie_page_with_every_essential_cookie(page, assert_accessible):
    page.goto("/policy")
    page.get_by_role("button", name="Customize").click()
    expect(page).to_have_url(at("/settings/cookies"))
    expect(page.get_by_role("heading", name="Cookies", level=1)).to_be_visible()
    # The page has the controls itself: no banner on it.
    expect(page.get_by_text("You have not made a choice yet.")).to_be_visible()
    expect(page.get_by_role("region", name=BANNER)).to_be_hidden()
    essential = page.get_by_role("table").first
    for name in ("nomask_session", "nomask_consent", "token"):
        expect(essential.get_by_role("rowheader", name=name)).to_be_visible()
    expect(essential).to_contain_text("Until you sign out, at most 30 days")
    expect(essential).to_contain_text("180 days")
    switch = page.get_by_role("switch", name="Preference cookies")
    expect(switch).not_to_be_checked()
    assert_accessible(page)
    assert _storage(page)["cookie"] == ""

    switch.click()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Recorded choice: Accept all")).to_be_visible()
    _wait_for_consent_cookie(page, "all")


def test_cookie_page_works_signed_in_and_the_choice_outlives_sign_in(page):
    page.goto("/login")
    page.get_by_role("button", name="Essential only").click()
    expect(page.get_by_role("region", name=BANNER)).to_be_hidden()
    sign_up(page)
    expect(page.get_by_role("region", name=BANNER)).to_be_hidden()
    page.goto("/settings/cookies")
    expect(page.get_by_role("button", name="Account", exact=True)).to_be_visible()
    expect(page.get_by_text("Recorded choice: Essential only")).to_be_visible()


def test_a_full_session_talks_only_to_our_own_origin(page, app_server):
    ours = urlsplit(app_server.url).netloc
    seen = []
    page.context.on("request", lambda request: seen.append(request.url))
    page.on("websocket", lambda socket: seen.append(socket.url))

    page.goto("/login")
    page.get_by_role("button", name="Accept all").click()
    _wait_for_consent_cookie(page, "all")
    sign_up(page, name="Origin Checker")
    page.goto("/settings")
    expect(page.get_by_role("heading", name="Active sessions")).to_be_visible()
    page.get_by_role("radio", name="Dark").check()
    page.get_by_role("group", name="Preferences", exact=True).get_by_role(
        "button", name="Save"
    ).click()
    expect(page.get_by_text("Your preferences are saved.")).to_be_visible()
    page.goto("/settings/cookies")
    expect(page.get_by_text("Recorded choice: Accept all")).to_be_visible()
    page.goto("/policy")
    expect(page.get_by_role("heading", name="Privacy Policy", level=1)).to_be_visible()

    assert len(seen) > 10
    foreign = [
        url
        for url in seen
        if not url.startswith(("data:", "blob:")) and urlsplit(url).netloc != ours
    ]
    assert foreign == []
