"""A streamed reply grows in steady steps: its first words at once, then one render per interval.

Issue 18, target 6: each render of the growing reply costs the page a React
render, a layout and a paint, so `chat_markdown.jsx` renders it at most once
per RENDER_EVERY_MS (its first words, and its end, at once).
"""

import itertools
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.chat_steps import messages, send, wait_for_reply_end
from tests.browser.helpers import sign_up

MARKDOWN_JSX = Path(__file__).parents[3] / "nomask_app/components/chat/chat_markdown.jsx"
RENDER_EVERY_MS = int(re.search(r"RENDER_EVERY_MS = (\d+);", MARKDOWN_JSX.read_text())[1])

# Records each change of the newest reply's text: (time, length).
WATCH = """() => {
  const renders = (window.__renders = []);
  const before = document.querySelectorAll('[data-role="assistant"]').length;
  new MutationObserver(() => {
    const replies = document.querySelectorAll('[data-role="assistant"]');
    if (replies.length <= before) return;
    const body = replies[replies.length - 1].querySelector(".nm-md");
    const length = body ? body.textContent.length : 0;
    const last = renders[renders.length - 1];
    if (length && (!last || last[1] !== length)) renders.push([performance.now(), length]);
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


def test_a_reply_streams_in_steps_no_more_often_than_the_render_interval(page):
    sign_up(page)
    send(page, "A first message, so that the next one is sent in its conversation")
    wait_for_reply_end(page)

    page.evaluate(WATCH)
    # 150 tokens 10 ms apart (sent as the provider writes them, ~25 pieces a
    # second): rendered as each came, the reply would change ~150 times.
    send(page, "[[ttft:100]] [[gap:10]] [[tokens:150]] pace")
    expect(messages(page, "assistant")).to_have_count(2)
    wait_for_reply_end(page)
    assert "word149" in messages(page, "assistant").last.inner_text()

    renders = page.evaluate("window.__renders")
    span_ms = renders[-1][0] - renders[0][0]
    assert span_ms > 1000, renders  # it streamed: the text did not come at once
    # Growing text, in several steps, and no more than one per interval (+1 for
    # the first words and +1 for the end, which are shown at once).
    assert all(a[1] < b[1] for a, b in itertools.pairwise(renders)), renders
    assert len(renders) >= 5, renders
    assert len(renders) <= span_ms / RENDER_EVERY_MS + 2, (len(renders), span_ms, renders)


def test_an_ended_reply_is_formatted_as_a_whole(page):
    """While it streams, a reply is rendered block by block (blank lines apart);
    once it has ended, as one text: a reference link defined in a later block
    works, and a loose list (blank lines between its items) stays one list."""
    sign_up(page)
    send(page, "[[gap:20]] See [the guide][g].\n\n- one\n\n- two\n\n[g]: /privacy")
    wait_for_reply_end(page)
    reply = messages(page, "assistant").last
    expect(reply.get_by_role("link", name="the guide")).to_have_attribute("href", "/privacy")
    expect(reply.get_by_role("list")).to_have_count(1)
    expect(reply.get_by_role("listitem")).to_have_count(2)
