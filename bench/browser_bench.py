"""Browser benchmark of the chat page: weight, readiness, streaming latency, CPU, memory.

Runs the production build against a local OpenAI-compatible provider with a
fixed time to first token, drives the system Chromium through Playwright and
the Chrome DevTools Protocol, and prints one table (median and spread of the
runs). Covers the rows of issue 10's budget and issue 3's streaming targets.

    .venv/bin/python bench/browser_bench.py --runs 10 --write   # full run, appends to RESULTS.md
    .venv/bin/python bench/browser_bench.py --runs 2            # smoke run (CI)
    .venv/bin/python bench/browser_bench.py --first-token 25    # that row only, to compare commits
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import machine  # noqa: E402
from bench.page_probe import PROBE_SCRIPT  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.server import AppServer  # noqa: E402
from tests.fakes.openai_server import FakeOpenAIServer  # noqa: E402

PASSWORD = "violet-harbor-lantern-42"
TTFT_MS, GAP_MS, TOKENS = 300, 15, 200
PROMPT = f"[[ttft:{TTFT_MS}]] [[gap:{GAP_MS}]] [[tokens:{TOKENS}]] benchmark"
OTHER_PAGES = ("/settings", "/privacy", "/images", "/billing")
# Seeded conversations: title -> messages (the sidebar, resent after each send, lists them).
SEEDED = {"Hundred exchanges": 200, "Thousand messages": 1000}


def _seed(database_url: str, sizes: dict[str, int]) -> dict:
    """An account with a conversation per entry of `sizes` (title -> messages)."""
    from sqlmodel import Session

    from nomask_app.db import build_engine
    from nomask_app.models import Conversation
    from nomask_app.models.common import utcnow
    from nomask_app.services.accounts.accounts import sign_up
    from nomask_app.services.privacy.policy import current_policy
    from tests.factories import message_chain

    engine = build_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        user = sign_up(
            session=session,
            name="Bench",
            email="bench@example.com",
            password=PASSWORD,
            is_adult=True,
            accepts_policy=True,
            policy_version=current_policy(session=session).version,
        )
        user.activated_at = utcnow()  # as if the emailed sign-up link had been used
        session.flush()
        seeded = {}
        for title, count in sizes.items():
            conversation = Conversation(user_id=user.id, title=title, model="bench")
            session.add(conversation)
            session.flush()
            contents = [
                f"message {seq}: " + "lorem ipsum dolor sit amet " * 6
                for seq in range(1, count + 1)
            ]
            session.add_all(message_chain(conversation.id, user.id, contents, model="bench"))
            seeded[title] = conversation.id
        session.commit()
    engine.dispose()
    return seeded


class Browser:
    """Chromium with a signed-in context per measurement (cold cache each time)."""

    def __init__(self, playwright, base_url: str):
        self.browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        self.base_url = base_url

    def page(self):
        context = self.browser.new_context(
            base_url=self.base_url, viewport={"width": 1280, "height": 900}
        )
        context.add_init_script(PROBE_SCRIPT)
        response = context.request.post(
            "/api/auth/login",
            data=json.dumps({"email": "bench@example.com", "password": PASSWORD}),
            headers={"content-type": "application/json"},
        )
        assert response.ok, response.status
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        traffic = {"script": 0, "all": 0, "ws": 0, "sse": 0, "types": {}, "urls": {}}

        def on_response(event):
            traffic["types"][event["requestId"]] = event["type"]
            traffic["urls"][event["requestId"]] = event["response"]["url"]

        def on_finished(event):
            size = event["encodedDataLength"]
            traffic["all"] += size
            if traffic["types"].get(event["requestId"]) == "Script":
                traffic["script"] += size

        def on_data(event):
            if "/stream" in traffic["urls"].get(event["requestId"], ""):
                traffic["sse"] += event["encodedDataLength"]

        cdp.on("Network.responseReceived", on_response)
        cdp.on("Network.loadingFinished", on_finished)
        cdp.on("Network.dataReceived", on_data)
        cdp.on(
            "Network.webSocketFrameReceived",
            lambda event: traffic.__setitem__(
                "ws", traffic["ws"] + len(event["response"]["payloadData"])
            ),
        )
        cdp.send("Network.enable")
        cdp.send("Performance.enable")
        return page, cdp, traffic

    def close(self):
        self.browser.close()


def _task_ms(cdp) -> float:
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return metrics["TaskDuration"] * 1000


def _wait(page, expression: str, timeout: float = 30):
    # Poll from outside: the timestamps themselves are taken inside the page.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.evaluate(expression)
        if value and value > 0:
            return value
        time.sleep(0.02)
    raise TimeoutError(expression)


def measure_cold_load(browser: Browser, path: str = "/") -> dict:
    page, _cdp, traffic = browser.page()
    page.goto(path)
    ready = _wait(page, "window.__nm.readyAt") if path == "/" else None
    page.wait_for_load_state("networkidle")
    result = {"script_kib": traffic["script"] / 1024, "ready_ms": ready}
    page.context.close()
    return result


def measure_stream(browser: Browser, fake: FakeOpenAIServer, path: str) -> dict:
    page, cdp, traffic = browser.page()
    page.goto(path)
    _wait(page, "window.__nm.readyAt")
    page.wait_for_load_state("networkidle")
    page.evaluate("window.__nm.watchReplies()")
    before_tasks, before_ws, before_sse = _task_ms(cdp), traffic["ws"], traffic["sse"]
    requests_before = len(fake.chat_requests())
    box = page.get_by_role("textbox", name="Message")
    box.fill(PROMPT)
    box.press("Enter")
    last = _wait(page, "window.__nm.lastTokenAt", timeout=60)
    first, sent = page.evaluate("window.__nm.firstTokenAt"), page.evaluate("window.__nm.sentAt")
    # The page's clock as wall time, and the provider's monotonic clock as wall time.
    page_epoch = page.evaluate("performance.timeOrigin")
    monotonic_epoch = time.time() - time.monotonic()
    page.wait_for_timeout(300)  # let the final state update land
    tasks = _task_ms(cdp) - before_tasks
    record = fake.chat_requests()[requests_before]
    provider_first = (record.first_token_at - record.received_at) * 1000
    provider_last = (record.last_token_at - record.received_at) * 1000
    token_bytes = len(" ".join(f"word{i}" for i in range(TOKENS)).encode()) / TOKENS
    result = {
        "added_first_ms": (first - sent) - provider_first,
        # Where that goes: before the provider sees the request, and after its first token.
        "to_provider_ms": (record.received_at + monotonic_epoch) * 1000 - (page_epoch + sent),
        "from_provider_ms": (page_epoch + first) - (record.first_token_at + monotonic_epoch) * 1000,
        "added_last_ms": (last - sent) - provider_last,
        "busy_ms": tasks,
        "ws_per_token": (traffic["ws"] - before_ws) / TOKENS,
        "sse_per_token": (traffic["sse"] - before_sse) / TOKENS,
        "token_bytes": token_bytes,
    }
    page.context.close()
    return result


def measure_open_long(browser: Browser, title: str) -> float:
    page, _, _ = browser.page()
    page.goto("/")
    _wait(page, "window.__nm.readyAt")
    page.wait_for_load_state("networkidle")
    page.evaluate("window.__nm.watchFor('message 1000:')")
    page.get_by_role("link", name=title).click()
    painted = _wait(page, "window.__nm.foundAt")
    clicked = page.evaluate("window.__nm.clickedAt")
    page.context.close()
    return painted - clicked


def backend_memory_mib(process: subprocess.Popen) -> tuple[float, float]:
    """(PSS, RSS) summed over every backend process, in MiB.

    PSS counts a page shared by the supervisor and its workers once (split
    between them); summing RSS counts it in every process, so it overstates
    what the backend holds. Both are reported.
    """
    import psutil

    root = psutil.Process(process.pid)
    members = [p for p in [root, *root.children(recursive=True)] if p.is_running()]
    infos = [p.memory_full_info() for p in members]
    mib = 1024 * 1024
    return sum(i.pss for i in infos) / mib, sum(i.rss for i in infos) / mib


def _summary(values: list[float], digits: int = 0) -> str:
    if not values:
        return "n/a"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    middle, low, high = statistics.median(values), min(values), max(values)
    return f"{middle:.{digits}f} ({low:.{digits}f}–{high:.{digits}f})"


@contextmanager
def _serving(playwright, sizes: dict[str, int] = SEEDED, limits: dict[str, str] | None = None):
    """The production app on a fresh database, its fake provider, and a Chromium.

    Args:
        playwright: The running sync Playwright.
        sizes: The conversations to seed, title -> number of messages.
        limits: Rate limits to lift besides sign-in's (NOMASK_RATE_LIMITS entries).

    Yields:
        (fake provider, backend process, seeded conversation ids, browser).
    """
    fake = FakeOpenAIServer().start()
    workdir = Path(tempfile.mkdtemp(prefix="nomask-bench-"))
    models = workdir / "models.json"
    models.write_text(
        json.dumps(
            {
                "model_list": [
                    {
                        "model_name": "bench",
                        "litellm_params": {
                            "model": "openai/fake-bench",
                            "api_base": fake.base_url,
                            "api_key": "x",
                        },
                        "model_info": {"label": "Bench model"},
                    }
                ]
            }
        )
    )
    database_url = f"sqlite:///{workdir}/bench.db"
    # One account signs in for every measurement: lift the sign-in limits.
    lifted = {"signin": "100000/minute", "signin:ip": "100000/minute", **(limits or {})}
    env = {"NOMASK_MODELS_FILE": str(models), "NOMASK_RATE_LIMITS": json.dumps(lifted)}
    server = AppServer(workdir, database_url, extra_env=env, web_dir=".web-bench")
    try:
        server.start()
        seeded = _seed(server.env["NOMASK_DATABASE_URL"], sizes)
        browser = Browser(playwright, server.url)
        try:
            yield fake, server.process, seeded, browser
        finally:
            browser.close()
    finally:
        server.stop()
        fake.stop()


def run_first_token(sends: int) -> list[tuple[str, str, str]]:
    """Only the first-token row, over `sends` first messages (to compare two commits)."""
    from playwright.sync_api import sync_playwright

    first, to_provider, from_provider = [], [], []
    with sync_playwright() as playwright, _serving(playwright) as (fake, _, _, browser):
        for _ in range(sends):
            result = measure_stream(browser, fake, "/")
            first.append(result["added_first_ms"])
            to_provider.append(result["to_provider_ms"])
            from_provider.append(result["from_provider_ms"])
    return [
        ("send -> first token visible, minus provider TTFT, ms", "<= 30", _summary(first)),
        (
            "  of which send -> provider has the request / its first token -> visible, ms",
            "(for reference)",
            f"{_summary(to_provider)} / {_summary(from_provider)}",
        ),
        (
            "  send -> provider has the request: the worker's first send / the later ones, ms",
            "(for reference)",
            f"{to_provider[0]:.0f} / {_summary(to_provider[1:])}",
        ),
    ]


def run(runs: int) -> list[tuple[str, str, str]]:
    """Measure everything `runs` times; return rows of (measure, budget, result)."""
    from playwright.sync_api import sync_playwright

    rows: dict[str, list[float]] = {}

    def add(name: str, value: float | None) -> None:
        if value is not None:
            rows.setdefault(name, []).append(value)

    with sync_playwright() as playwright, _serving(playwright) as served:
        fake, process, seeded, browser = served
        for _ in range(runs):
            cold = measure_cold_load(browser)
            add("js", cold["script_kib"])
            add("ready", cold["ready_ms"])
            fresh = measure_stream(browser, fake, "/")
            add("first", fresh["added_first_ms"])
            add("to_provider", fresh["to_provider_ms"])
            add("from_provider", fresh["from_provider_ms"])
            add("last", fresh["added_last_ms"])
            add("busy", fresh["busy_ms"])
            add("ws", fresh["ws_per_token"])
            add("sse", fresh["sse_per_token"])
            add("token", fresh["token_bytes"])
            long = measure_stream(browser, fake, f"/chat/{seeded['Hundred exchanges']}")
            add("first100", long["added_first_ms"])
            add("last100", long["added_last_ms"])
            add("ws100", long["ws_per_token"])
            add("open1000", measure_open_long(browser, "Thousand messages"))
            for path in OTHER_PAGES:
                add(path, measure_cold_load(browser, path)["script_kib"])
        pss, rss = backend_memory_mib(process)
    token = statistics.median(rows["token"])
    chat_js = statistics.median(rows["js"])
    table = [
        ("JavaScript on a cold load of `/` (signed in), KiB", "<= 700", _summary(rows["js"])),
        ("cold load -> Message box accepts input, ms", "<= 1000", _summary(rows["ready"])),
        ("main thread busy during a 200-token reply, ms", "<= 300", _summary(rows["busy"])),
        ("send -> first token visible, minus provider TTFT, ms", "<= 30", _summary(rows["first"])),
        (
            "  of which send -> provider has the request / its first token -> visible, ms",
            "(for reference)",
            f"{_summary(rows['to_provider'])} / {_summary(rows['from_provider'])}",
        ),
        ("send -> last token visible, minus provider time, ms", "<= 60", _summary(rows["last"])),
        (
            "  the same with 100 earlier exchanges (first / last), ms",
            "no growth",
            f"{_summary(rows['first100'])} / {_summary(rows['last100'])}",
        ),
        (
            "websocket bytes per streamed token (1st message / 200th)",
            f"<= {3 * token + 100:.0f}",
            f"{_summary(rows['ws'], 1)} / {_summary(rows['ws100'], 1)}",
        ),
        (
            "reply-stream (SSE) bytes per streamed token",
            "(for reference)",
            _summary(rows["sse"], 1),
        ),
        (
            "open a 1,000-message conversation -> latest painted, ms",
            "<= 300",
            _summary(rows["open1000"]),
        ),
        (
            "backend resident memory after the runs' replies (PSS; RSS summed), MiB",
            "<= 400",
            f"{pss:.0f} ({rss:.0f})",
        ),
    ]
    for path in OTHER_PAGES:
        if path in rows:
            weight = statistics.median(rows[path])
            table.append(
                (
                    f"JavaScript of `{path}` vs chat page",
                    "within 10%",
                    f"{weight:.0f} KiB ({(weight / chat_js - 1) * 100:+.0f}%)",
                )
            )
    return table


def main() -> None:
    """Parse arguments, run, print (and optionally append to RESULTS.md)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--first-token",
        type=int,
        metavar="SENDS",
        help="measure only the first-token row over SENDS first messages (A/B of two commits)",
    )
    parser.add_argument("--write", action="store_true", help="append the table to bench/RESULTS.md")
    args = parser.parse_args()
    started = time.monotonic()
    table = run_first_token(args.first_token) if args.first_token else run(args.runs)
    count = f"{args.first_token} sends" if args.first_token else f"{args.runs} runs"
    lines = [
        f"### Browser benchmark — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {count}",
        "",
        f"Machine: {machine.describe()}. Provider: local fake, TTFT {TTFT_MS} ms, "
        f"{GAP_MS} ms between {TOKENS} tokens. Median (min–max) of the runs.",
        "",
        "| measure | budget | result |",
        "|---|---|---|",
        *(f"| {name} | {budget} | {result} |" for name, budget, result in table),
        "",
        f"(took {time.monotonic() - started:.0f} s)",
    ]
    print("\n".join(lines))
    if args.write:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as results:
            results.write("\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
