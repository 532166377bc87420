"""Nothing a user or a model writes can run script or reach another site."""

from playwright.sync_api import expect

from tests.browser.chat_steps import conversation_id, messages, send, wait_for_reply_end
from tests.browser.helpers import sign_up
from tests.fakes.openai_server import reply64

# Each payload, and text the rendered reply must show (raw HTML is shown as text).
PAYLOADS = [
    ('<img src=x onerror="window.__xss=1">', "<img src=x onerror="),
    ("<script>window.__xss=1</script>", "<script>"),
    ('<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>', "<iframe srcdoc="),
    ("[click me](javascript:window.__xss=1)", "click me"),
    ('<a href="javascript:window.__xss=1">html link</a>', '<a href="javascript:'),
    ('<svg onload="window.__xss=1"><circle r="5"/></svg>', "<svg onload="),
    ('<details open ontoggle="window.__xss=1">x</details>', "<details open"),
    ('<math><mi xlink:href="javascript:window.__xss=1">m</mi></math>', "<math>"),
    ("[data](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)", "data"),
    ("![tracker](https://evil.example/pixel.png)", "Image: tracker"),
    ('<style>body{background:url("https://evil.example/c.png")}</style>', "<style>"),
    ("`<b>in code</b>` and **<b>bold html</b>**", "<b>in code</b>"),
]


def _assert_inert(page, foreign_requests, dialogs):
    body = page.locator("main")
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    assert foreign_requests == []
    for selector in ("script", "iframe", "svg circle", "style", "details", "math", "img"):
        expect(messages(page).locator(selector)).to_have_count(0)
    expect(body.locator('a[href^="javascript:"]')).to_have_count(0)
    expect(body.locator('a[href^="data:"]')).to_have_count(0)


def test_xss_corpus_in_user_messages_and_model_replies_stays_inert(page, app_server):
    foreign_requests, dialogs = [], []
    page.on(
        "request",
        lambda request: (
            foreign_requests.append(request.url)
            if not request.url.startswith(app_server.url)
            else None
        ),
    )
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_up(page)
    for index, (payload, visible) in enumerate(PAYLOADS):
        # The user's own text, then the same text as the model's reply.
        send(page, f"{payload} {reply64(payload)}")
        expect(messages(page, "user")).to_have_count(index + 1)
        expect(messages(page, "user").last).to_contain_text(payload)
        # The first message gives the page its /chat/<id> address: send the next one there.
        conversation_id(page)
        wait_for_reply_end(page)
        expect(messages(page, "assistant").last).to_contain_text(visible)
    _assert_inert(page, foreign_requests, dialogs)
    # Clicking what looks like a link does nothing dangerous either.
    page.get_by_role("link", name="click me").click()
    _assert_inert(page, foreign_requests, dialogs)
    # And the same after a reload, when every message comes from the database.
    page.reload()
    expect(messages(page, "assistant")).to_have_count(len(PAYLOADS))
    _assert_inert(page, foreign_requests, dialogs)


# Link text -> how a reply writes an address that may leave the origin. Markdown
# percent-encodes some of these ("/\\host" becomes "/%5Chost", a path of the
# app); whatever the browser makes of each, no link may leave in the same tab.
MAYBE_OUTSIDE = {
    "docs": "//evil.example/login",
    "slashed": "/\\evil.example/login",
    "backslashed": "\\\\\\\\evil.example/login",  # markdown unescapes each pair
    "tabbed": "/\t/evil.example/login",
    "schemed": "https:evil.example/login",
}


def test_links_that_leave_the_origin_open_in_a_new_tab(page, app_server):
    page.context.route("**/*evil.example*/**", lambda route: route.abort())
    sign_up(page)
    links = " ".join(f"[{name}](<{href}>)" for name, href in MAYBE_OUTSIDE.items())
    send(page, reply64(f"{links} and [own settings](/settings)"))
    conversation_id(page)
    wait_for_reply_end(page)
    reply = messages(page, "assistant").last
    origin = page.evaluate("location.origin")
    leaving = []
    for name in [*MAYBE_OUTSIDE, "own settings"]:
        link = reply.get_by_role("link", name=name, exact=True)
        href, target, rel = link.evaluate("a => [a.href, a.target, a.rel]")
        if not href.startswith(origin + "/"):
            leaving.append(name)
            assert target == "_blank", (name, href)
            assert {"noopener", "noreferrer", "nofollow"} <= set(rel.split()), (name, rel)
    assert {"docs", "schemed"} <= set(leaving)
    # The app's own pages still open in the tab.
    expect(reply.get_by_role("link", name="own settings")).not_to_have_attribute("target", "_blank")
    app_url = page.url
    with page.context.expect_page() as opened:
        reply.get_by_role("link", name="docs", exact=True).click()
    opened.value.close()
    assert page.url == app_url
