"""A backend worker killed mid-reply: the server carries on and the reply is never silently lost.

Runs last (file name): it kills every worker of the shared app. With two
workers and Redis (the scaled-out CI run) the reply may also be finished by
the surviving side; either way it must end complete or failed, never hang.
"""

import json
import signal
import urllib.request

import psutil
from playwright.sync_api import expect

from tests.browser.chat_steps import ENDED, messages, send, wait_for_reply_end
from tests.browser.helpers import sign_up, wait_until


def _workers(app_server) -> list[psutil.Process]:
    # The `reflex run` process is Granian's supervisor; the workers are its children.
    return psutil.Process(app_server.process.pid).children(recursive=True)


def _healthy(app_server) -> bool:
    try:
        with urllib.request.urlopen(f"{app_server.url}/api/health", timeout=2) as response:
            return json.load(response).get("status") == "ok"
    except (OSError, ValueError):
        return False


def test_a_killed_worker_is_replaced_and_its_reply_ends_failed_with_retry(page, app_server):
    sign_up(page)
    send(page, "[[slow]] [[tokens:60]] a question worth keeping")
    reply = messages(page, "assistant")
    expect(reply).to_contain_text("word3")

    seen = len(page.problems)
    before = _workers(app_server)
    assert before, "no worker processes found"
    for worker in before:
        worker.send_signal(signal.SIGKILL)
    psutil.wait_procs(before, timeout=10)

    # The supervisor lives on and starts new workers.
    assert app_server.process.poll() is None, app_server.log_tail()
    wait_until(lambda: {p.pid for p in _workers(app_server)} - {p.pid for p in before}, 30)
    wait_until(lambda: _healthy(app_server), 60)

    page.reload()
    # While no worker answered, the page logged network errors: expected here, nothing else.
    outage = page.problems[seen:]
    del page.problems[seen:]
    assert all("net::ERR_" in problem for problem in outage), outage
    expect(messages(page, "user")).to_contain_text("a question worth keeping")
    last = messages(page, "assistant").last
    # Nobody finishes the dead worker's reply: it stops growing and is marked failed.
    expect(last).to_have_attribute("data-status", ENDED, timeout=60_000)
    if last.get_attribute("data-status") == "failed":
        expect(last.get_by_role("alert")).to_contain_text("interrupted")
        page.get_by_role("button", name="Retry").click()
        wait_for_reply_end(page, timeout=30_000)
    expect(messages(page, "assistant").last).to_have_attribute("data-status", "complete")
    expect(messages(page, "assistant").last).to_contain_text("word59")
