"""Reading the chat: formatted replies, date groups in the person's zone, generated titles."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from nomask_app.db import build_engine
from nomask_app.models import Conversation, User
from nomask_app.models.common import utcnow
from tests.browser.chat_steps import conversation_id, messages, send, wait_for_reply_end
from tests.browser.helpers import sign_up
from tests.fakes.openai_server import reply64

SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
LONG_URL = "https://example.org/" + "a-very-long-path-segment-" * 12
REPLY = f"""# Heading one

## Heading two

### Heading three

Body text with [a link](https://example.org/docs) and `inline code`.

1. First
2. Second
   - nested bullet

- Apple
- Pear

> A quoted line.

---

{LONG_URL}

| {" | ".join(f"Column {n}" for n in range(14))} |
|{"---|" * 14}
| {" | ".join(f"value-number-{n}" for n in range(14))} |

```python
print("{"x" * 300}")
```
"""

SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


def _style(locator, prop: str) -> str:
    return locator.evaluate(f"(el) => getComputedStyle(el).getPropertyValue('{prop}')")


def _px(value: str) -> float:
    return float(value.removesuffix("px"))


def _no_page_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page scrolls sideways: {width}px"


@pytest.mark.parametrize("size", list(SIZES))
def test_a_reply_reads_with_structure(page, assert_accessible, size):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    sign_up(page)
    send(page, "Show me formatting " + reply64(REPLY))
    wait_for_reply_end(page)
    reply = messages(page, "assistant").last
    body = reply.locator(".nm-md p").first
    body_size = _px(_style(body, "font-size"))
    sizes = [_px(_style(reply.get_by_role("heading", level=n), "font-size")) for n in (1, 2, 3)]
    assert sizes[0] > sizes[1] > sizes[2] > body_size, (sizes, body_size)

    assert _style(reply.locator("ol").first, "list-style-type") == "decimal"
    assert _style(reply.locator("ol > li").first, "display") == "list-item"
    assert _style(reply.locator("ol ul").first, "list-style-type") not in ("", "none")
    assert _style(reply.locator(".nm-md > ul").first, "list-style-type") == "disc"

    link = reply.get_by_role("link", name="a link")
    assert _style(link, "color") != _style(body, "color")
    assert "underline" in _style(link, "text-decoration-line")
    quote = reply.locator("blockquote")
    assert _px(_style(quote, "border-left-width")) >= 2
    assert _style(quote, "border-left-style") == "solid"

    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        reply.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"chat-reply-{size}-{scheme}.png"))
        assert_accessible(page)
    # Wide things scroll inside their own box, never the page.
    _no_page_scroll(page)
    table_box = reply.locator(".nm-table")
    assert table_box.evaluate("(el) => el.scrollWidth > el.clientWidth")
    assert _style(table_box, "overflow-x") == "auto"
    code = reply.locator("pre")
    assert code.evaluate("(el) => el.scrollWidth > el.clientWidth")
    assert reply.evaluate("(el) => el.scrollWidth <= el.clientWidth")


def test_the_sidebar_shows_the_generated_title(page, fake_llm, assert_accessible):
    sign_up(page)
    send(page, "## Plan\n1. Pack **bags** for the weekend trip")
    conversation_id(page)
    wait_for_reply_end(page)
    nav = page.get_by_role("navigation", name="Conversations")
    # The fake provider names an exchange "Chat about <its first words>".
    expect(nav.get_by_role("link", name=re.compile("^Chat about"))).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Chat about"))
    assert fake_llm.title_requests()
    assert_accessible(page)


def test_a_failed_title_request_keeps_the_markdown_free_first_line(page):
    sign_up(page)
    send(page, "# Weekend *plans* [[notitle]]\nmore text")
    conversation_id(page)
    wait_for_reply_end(page)
    nav = page.get_by_role("navigation", name="Conversations")
    expect(nav.get_by_role("link", name=re.compile("^Weekend plans"))).to_be_visible()
    expect(nav.get_by_role("link", name=re.compile("Chat about"))).to_have_count(0)


def _age_conversations(app_server, email: str, ages: dict[str, timedelta]) -> None:
    engine = build_engine(app_server.env["NOMASK_DATABASE_URL"])
    try:
        with Session(engine) as session:
            user_id = session.exec(select(User.id).where(User.email == email)).one()
            rows = session.exec(select(Conversation).where(Conversation.user_id == user_id))
            now = utcnow()
            for conversation in rows:
                for prefix, age in ages.items():
                    if conversation.title.startswith(prefix):
                        conversation.updated_at = now - age
                        session.add(conversation)
            session.commit()
    finally:
        engine.dispose()


BROWSER_ZONE = "Pacific/Kiritimati"  # UTC+14: "today" differs from the server's


def _group_in(zone, now: datetime, moment: datetime) -> str:
    days = (now.astimezone(zone).date() - moment.astimezone(zone).date()).days
    return {0: "Today", 1: "Yesterday"}.get(days, "Previous 7 days")


def _zone_sensitive_age() -> tuple[timedelta, str]:
    """An age whose date group differs in UTC and in the browser's zone, and the latter.

    Both groups hold for 20 minutes either side, so the seconds between now and
    the page's rendering cannot move it.
    """
    now, browser = datetime.now(UTC), ZoneInfo(BROWSER_ZONE)
    for half_hours in range(2, 96):
        ages = [timedelta(minutes=30 * half_hours + drift) for drift in (-20, 0, 20)]
        in_browser = {_group_in(browser, now, now - age) for age in ages}
        in_utc = {_group_in(UTC, now, now - age) for age in ages}
        if len(in_browser) == len(in_utc) == 1 and in_browser != in_utc:
            return ages[1], in_browser.pop()
    raise AssertionError("no age groups differently in the two zones")


@pytest.mark.parametrize("size", list(SIZES))
def test_the_sidebar_groups_conversations_by_date(browser, app_server, assert_accessible, size):
    width, height = SIZES[size]
    context = browser.new_context(
        base_url=app_server.url,
        viewport={"width": width, "height": height},
        timezone_id=BROWSER_ZONE,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        email = sign_up(page)
        for text in (
            "Recent one [[notitle]]",
            "Day before [[notitle]]",
            "Last week [[notitle]]",
            "Long ago [[notitle]]",
            "Zone edge [[notitle]]",
        ):
            send(page, text)
            conversation_id(page)
            wait_for_reply_end(page)
            page.goto("/")
        edge_age, edge_group = _zone_sensitive_age()
        _age_conversations(
            app_server,
            email,
            {
                "Day before": timedelta(days=1),
                "Last week": timedelta(days=4),
                "Long ago": timedelta(days=40),
                "Zone edge": edge_age,
            },
        )
        page.reload()
        nav = page.get_by_role("navigation", name="Conversations")
        if size == "phone" and not nav.is_visible():
            page.get_by_role("button", name="Conversations").click()
            expect(page.get_by_role("dialog", name="Conversations")).to_be_visible()
            # The pointer that opened the drawer would rest on an entry (a hover style).
            page.mouse.move(389, 843)
        headings = nav.get_by_role("heading")
        expect(headings).to_have_text(["Today", "Yesterday", "Previous 7 days", "Older"])
        older = nav.locator("section").filter(has=page.get_by_role("heading", name="Older"))
        expect(older.get_by_role("link", name=re.compile("Long ago"))).to_be_visible()
        # Grouped by the browser's calendar, not the server's (UTC).
        edge = nav.locator("section").filter(has=page.get_by_role("heading", name=edge_group))
        expect(edge.get_by_role("link", name=re.compile("Zone edge"))).to_be_visible()
        assert_accessible(page)
        # Message times are in the browser's zone (UTC+14), not the server's.
        page.get_by_role("link", name=re.compile("Long ago")).click()
        stamp = messages(page, "user").first.locator("time")
        expect(stamp).to_have_text(re.compile(r"\d{1,2} \w{3},? \d{2}:\d{2}"))
        iso = stamp.get_attribute("datetime")
        shown = stamp.inner_text()
        hour = int(iso[11:13])
        assert f"{(hour + 14) % 24:02d}:" in shown, (iso, shown)
    finally:
        context.close()
