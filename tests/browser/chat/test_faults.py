"""Faults: PostgreSQL and Redis restarted, a backend worker killed mid-reply.

These run after every other browser test (see conftest.py): they restart the
services the shared app uses. PostgreSQL and Redis are restarted only in the
scaled-out run that uses this machine's servers (NOMASK_TEST_DATABASE_URL,
NOMASK_TEST_REDIS_URL); the embedded run has neither.
"""

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
import redis
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


def _restart_postgres() -> None:
    [version] = [p.name for p in Path("/etc/postgresql").iterdir()]
    cluster = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]
    subprocess.run([*cluster, "restart", "-m", "fast"], check=True, capture_output=True)


def _restart_redis(url: str) -> None:
    # The way this machine starts it (shared/NOTES.md): no persistence, so
    # everything Reflex kept there is gone afterwards, as after a real crash.
    client = redis.Redis.from_url(url)
    with contextlib.suppress(redis.ConnectionError):  # it closes the connection as it goes
        client.shutdown(nosave=True)
    time.sleep(1)
    subprocess.run(
        [
            *("redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379"),
            *("--save", "", "--appendonly", "no"),
        ],
        check=True,
        capture_output=True,
    )
    wait_until(lambda: _pings(client), 20)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def _chat_survives(page, app_server, restart) -> None:
    """A finished exchange, the restart, then another exchange in the same tab."""
    sign_up(page)
    send(page, "[[tokens:5]] before the restart")
    wait_for_reply_end(page)
    seen = len(page.problems)
    restart()
    send(page, "[[tokens:5]] after the restart")
    expect(messages(page, "user").last).to_contain_text("after the restart", timeout=60_000)
    wait_for_reply_end(page, timeout=60_000)
    assert all("net::ERR_" in problem for problem in page.problems[seen:]), page.problems
    del page.problems[seen:]
    page.reload()
    expect(messages(page, "user")).to_have_count(2)
    expect(messages(page, "user").last).to_contain_text("after the restart")
    expect(messages(page, "assistant").last).to_have_attribute("data-status", "complete")


@pytest.mark.skipif(
    not os.environ.get("NOMASK_TEST_DATABASE_URL"), reason="runs on this machine's PostgreSQL"
)
def test_a_postgres_restart_loses_no_message(page, app_server):
    _chat_survives(page, app_server, _restart_postgres)


@pytest.mark.skipif(
    not os.environ.get("NOMASK_TEST_REDIS_URL"), reason="runs on this machine's Redis"
)
def test_a_redis_restart_lets_clients_carry_on(page, app_server):
    _chat_survives(page, app_server, lambda: _restart_redis(os.environ["NOMASK_TEST_REDIS_URL"]))


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
    # Within the relay's idle time plus the staleness limit (15 s each), with room
    # for a loaded machine.
    expect(last).to_have_attribute("data-status", ENDED, timeout=120_000)
    if last.get_attribute("data-status") == "failed":
        expect(last.get_by_role("alert")).to_contain_text("interrupted")
        page.get_by_role("button", name="Retry").click()
        wait_for_reply_end(page, timeout=30_000)
    expect(messages(page, "assistant").last).to_have_attribute("data-status", "complete")
    expect(messages(page, "assistant").last).to_contain_text("word59")
