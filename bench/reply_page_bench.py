"""A reply as the page shows it: a fast provider's lag, and main-thread time by page size.

Issue 18, targets 3 and 6, on the same production app, fake provider, seeded
account and page probe as `browser_bench.py`:

- Target 3, a fast provider (2 ms between 500 tokens): from the provider
  writing the last token to that token painted in the page (both clocks read
  as wall time on this one machine), in a new chat on `/` and in a
  conversation with 50 messages on the page (of 200). Also send -> last token painted, minus the
  provider's own time (request received -> last token written).
- Target 6, main-thread time (Chromium's TaskDuration) from send until 300 ms
  after the last token of a 200-token reply (TTFT 200 ms, 5 ms between
  tokens, as the issue's measurement), with 10 messages in the page and with
  500 (a 500-message conversation, "Load earlier messages" until all show).

    .venv/bin/python bench/reply_page_bench.py --runs 3
    .venv/bin/python bench/reply_page_bench.py --runs 1 --profile   # where the time goes
    .venv/bin/python bench/reply_page_bench.py --runs 1 --trace     # by rendering phase
    .venv/bin/python bench/reply_page_bench.py --runs 1 --renders   # React components rendered
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import machine  # noqa: E402
from bench.browser_bench import Browser, _serving, _summary, _task_ms, _wait  # noqa: E402
from bench.page_probe import RENDER_COUNTER_SCRIPT  # noqa: E402

FAST_TOKENS, FAST_GAP_MS = 500, 2
FAST = f"[[ttft:200]] [[gap:{FAST_GAP_MS}]] [[tokens:{FAST_TOKENS}]] fast"
REPLY_TOKENS = 200
REPLY = f"[[ttft:200]] [[gap:5]] [[tokens:{REPLY_TOKENS}]] reply"
SIZES = {"Ten messages": 10, "Hundred exchanges": 200, "Five hundred messages": 500}
SETTLE_MS = 300  # after the last token: the final state update lands


def _open(browser: Browser, path: str, count_renders: bool = False):
    page, cdp, _traffic = browser.page()
    if count_renders:
        page.add_init_script(RENDER_COUNTER_SCRIPT)
    page.goto(path)
    _wait(page, "window.__nm.readyAt")
    page.wait_for_load_state("networkidle")
    return page, cdp


def _shown(page) -> int:
    return page.locator('[data-testid="message"]').count()


def _load_all_earlier(page, at_least: int) -> int:
    """Click "Load earlier messages" until `at_least` messages are on the page."""
    button = page.get_by_role("button", name="Load earlier messages")
    while _shown(page) < at_least:
        before = _shown(page)
        button.click()
        deadline = time.monotonic() + 30
        while _shown(page) == before:
            if time.monotonic() > deadline:
                raise TimeoutError("Load earlier messages showed nothing more")
            time.sleep(0.05)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)  # let layout and the scroll to the bottom settle
    return _shown(page)


def _send(page, fake, prompt: str, last_word: str):
    """Watch for `last_word`, send `prompt`; return its provider record once it arrives."""
    page.evaluate(f"window.__nm.watchReplies({last_word!r})")
    requests_before = len(fake.chat_requests())
    # By id, not by accessible name: Playwright's role lookup runs in the page and,
    # with hundreds of messages, would add its own main-thread time to the figure.
    box = page.locator("#composer")
    box.fill(prompt)
    box.press("Enter")
    deadline = time.monotonic() + 60
    while len(fake.chat_requests()) == requests_before:
        if time.monotonic() > deadline:
            raise TimeoutError("the provider got no request")
        time.sleep(0.01)
    return fake.chat_requests()[requests_before]


def _send_and_watch(page, fake, prompt: str, last_word: str):
    """Send `prompt`; return (its provider record, sentAt, lastTokenAt) once painted."""
    record = _send(page, fake, prompt, last_word)
    last = _wait(page, "window.__nm.lastTokenAt", timeout=60)
    return record, page.evaluate("window.__nm.sentAt"), last


def _send_quietly(page, fake, prompt: str) -> None:
    """Send `prompt` and return SETTLE_MS after the provider's last token.

    Waits on the fake provider, in this process, not by polling the page: each
    poll is a DevTools call that runs on the page's main thread (~50 of them per
    reply), which would count in what is measured.
    """
    record = _send(page, fake, prompt, f"word{REPLY_TOKENS - 1}")
    deadline = time.monotonic() + 60
    # The tokens come 5 ms apart: 100 ms without one means the last was written.
    while not record.last_token_at or time.monotonic() - record.last_token_at < 0.1:
        if time.monotonic() > deadline:
            raise TimeoutError("the provider did not finish its reply")
        time.sleep(0.01)
    time.sleep(SETTLE_MS / 1000)


def measure_fast(browser: Browser, fake, path: str) -> dict:
    """Target 3: provider's last token -> painted, and the added time of the whole reply."""
    page, _cdp = _open(browser, path)
    record, sent, last = _send_and_watch(page, fake, FAST, f"word{FAST_TOKENS - 1}")
    page_epoch = page.evaluate("performance.timeOrigin")
    monotonic_epoch = time.time() - time.monotonic()
    provider_own = (record.last_token_at - record.received_at) * 1000
    result = {
        "last_lag_ms": (page_epoch + last) - (record.last_token_at + monotonic_epoch) * 1000,
        "added_last_ms": (last - sent) - provider_own,
        "provider_ms": provider_own,
    }
    page.context.close()
    return result


def _self_times(profile: dict, top: int = 15) -> list[tuple[float, str]]:
    """The functions with the most self time in a CDP CPU profile, in ms."""
    nodes = {node["id"]: node for node in profile["nodes"]}
    ms: dict[str, float] = {}
    deltas = profile["timeDeltas"]
    for sample, delta in zip(profile["samples"][1:], deltas[1:], strict=True):
        frame = nodes[sample]["callFrame"]
        name = frame["functionName"] or "(anonymous)"
        line, column = frame["lineNumber"] + 1, frame["columnNumber"] + 1
        where = f"{Path(frame['url']).name}:{line}:{column}" if frame["url"] else ""
        key = f"{name} {where}".strip()
        ms[key] = ms.get(key, 0.0) + delta / 1000
    return sorted(((v, k) for k, v in ms.items()), reverse=True)[:top]


# Rendering phases and the tasks around them, as Chromium's timeline names them.
_PHASES = (
    "RunTask",
    "FunctionCall",
    "EventDispatch",
    "UpdateLayoutTree",
    "Layout",
    "PrePaint",
    "Paint",
    "Layerize",
    "UpdateLayer",
    "HitTest",
    "ScrollLayer",
    "IntersectionObserverController::computeIntersections",
    "MajorGC",
    "MinorGC",
    "V8.GC_SCAVENGER",
)


def _stop_trace(page, cdp) -> list[dict]:
    """Stop the trace started on `cdp`; its events on the page's main thread."""
    events: list[dict] = []
    done = []
    cdp.on("Tracing.dataCollected", lambda event: events.extend(event["value"]))
    cdp.on("Tracing.tracingComplete", lambda _event: done.append(True))
    cdp.send("Tracing.end")
    deadline = time.monotonic() + 30
    while not done and time.monotonic() < deadline:
        page.wait_for_timeout(50)  # not time.sleep: Playwright delivers events while it waits
    main = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("name") == "thread_name" and e["args"].get("name") == "CrRendererMain"
    }
    return [e for e in events if (e.get("pid"), e.get("tid")) in main and e.get("ph") == "X"]


def _phase_times(events: list[dict]) -> list[tuple[str, int, float]]:
    """(phase, count, ms) of the main thread's trace events."""
    totals: dict[str, list[float]] = {}
    for event in events:
        if event["name"] in _PHASES:
            total = totals.setdefault(event["name"], [0, 0.0])
            total[0] += 1
            total[1] += event.get("dur", 0) / 1000
    return [(name, int(count), ms) for name, (count, ms) in totals.items()]


def _cpu_ms(events: list[dict]) -> float:
    """CPU time of the main thread's tasks, ms: unlike their wall time, not
    stretched when the server's processes take the machine's cores meanwhile."""
    return sum(e.get("tdur", 0) for e in events if e["name"] == "RunTask") / 1000


def measure_busy(
    browser: Browser, fake, path: str, at_least: int, profile: bool = False, trace: bool = False
) -> tuple[float, float, int]:
    """Target 6: main-thread ms for one 200-token reply (wall, CPU) and the messages shown.

    With `profile`, also prints where the main thread's time went (CPU profile);
    with `trace`, the time per rendering phase (a Chromium trace).
    """
    page, cdp = _open(browser, path)
    shown = _load_all_earlier(page, at_least)
    if profile:
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        cdp.send("Profiler.start")
    categories = "disabled-by-default-devtools.timeline"  # tasks, for their CPU time
    if trace:
        categories = "devtools.timeline,disabled-by-default-devtools.timeline,v8"
    cdp.send("Tracing.start", {"categories": categories, "transferMode": "ReportEvents"})
    before = _task_ms(cdp)
    _send_quietly(page, fake, REPLY)
    busy = _task_ms(cdp) - before
    events = _stop_trace(page, cdp)
    if not page.evaluate("window.__nm.lastTokenAt"):
        raise RuntimeError("the reply's last token was not painted in the measured time")
    if profile:
        print(f"CPU profile, {shown} messages in the page: self time, ms")
        for ms, name in _self_times(cdp.send("Profiler.stop")["profile"]):
            print(f"  {ms:7.1f}  {name}")
    if trace:
        print(f"Trace, {shown} messages in the page ({busy:.0f} ms of tasks): phase, count, ms")
        for name, count, ms in sorted(_phase_times(events), key=lambda row: -row[2]):
            print(f"  {name:<28} {count:6d} {ms:8.1f}")
    page.context.close()
    return busy, _cpu_ms(events), shown


def measure_renders(browser: Browser, fake, path: str, at_least: int) -> tuple[int, int, dict]:
    """React components rendered for one 200-token reply: (total, messages shown, by name).

    A count, not a time: it does not depend on the machine. Measured apart
    from the main-thread time, as walking React's tree at each commit costs
    time of its own.
    """
    page, _cdp = _open(browser, path, count_renders=True)
    shown = _load_all_earlier(page, at_least)
    page.evaluate("window.__nmRenders.on = true")
    _send_quietly(page, fake, REPLY)
    counted = page.evaluate("window.__nmRenders")
    page.context.close()
    return counted["total"], shown, counted["byName"]


def print_renders(browser: Browser, fake, pages: dict[str, tuple[str, int]]) -> None:
    """Print how many components each page rendered for one reply, the most rendered first."""
    for label, (path, at_least) in pages.items():
        total, shown, by_name = measure_renders(browser, fake, path, at_least)
        print(f"Components rendered for one reply, {label} ({shown} messages shown): {total}")
        for name, count in sorted(by_name.items(), key=lambda item: -item[1])[:12]:
            print(f"  {count:5d}  {name}")


def run(
    runs: int, profile: bool = False, trace: bool = False, renders: bool = False
) -> list[tuple[str, str, str]]:
    """Measure `runs` times; return rows of (measure, budget, result).

    With `renders`, first print the components rendered per reply (once).
    """
    from playwright.sync_api import sync_playwright

    rows: dict[str, list[float]] = {}
    with sync_playwright() as playwright, _serving(playwright, SIZES) as served:
        fake, _process, seeded, browser = served
        ten = f"/chat/{seeded['Ten messages']}"
        fifty = f"/chat/{seeded['Hundred exchanges']}"
        five_hundred = f"/chat/{seeded['Five hundred messages']}"
        if renders:
            print_renders(browser, fake, {"new chat": ("/", 0), "ten": (ten, 10)})
        shown: dict[str, list[int]] = {}
        for _ in range(runs):
            for name, path in (("new", "/"), ("fifty", fifty)):
                result = measure_fast(browser, fake, path)
                for key, value in result.items():
                    rows.setdefault(f"{name}_{key}", []).append(value)
            for name, path, at_least in (("busy10", ten, 10), ("busy500", five_hundred, 500)):
                busy, cpu, count = measure_busy(browser, fake, path, at_least, profile, trace)
                rows.setdefault(name, []).append(busy)
                rows.setdefault(f"{name}_cpu", []).append(cpu)
                shown.setdefault(name, []).append(count)

    def messages(name: str) -> str:  # each run's reply adds two messages
        low, high = min(shown[name]), max(shown[name])
        return f"{low}" if low == high else f"{low}–{high}"

    return [
        (
            f"fast provider ({FAST_GAP_MS} ms x {FAST_TOKENS} tokens): its last token -> "
            "painted, ms (new chat / 50 messages)",
            "<= 50",
            f"{_summary(rows['new_last_lag_ms'])} / {_summary(rows['fifty_last_lag_ms'])}",
        ),
        (
            "  send -> last token painted, minus the provider's own time, ms (new / 50)",
            "(for reference)",
            f"{_summary(rows['new_added_last_ms'])} / {_summary(rows['fifty_added_last_ms'])}",
        ),
        (
            "  the provider's own time, request -> last token written, ms",
            "(for reference)",
            _summary(rows["fifty_provider_ms"]),
        ),
        (
            f"main thread per {REPLY_TOKENS}-token reply, {messages('busy10')} messages "
            "in the page, ms",
            "<= 200",
            _summary(rows["busy10"]),
        ),
        (
            "  the same tasks' CPU time (not stretched by the server's processes), ms",
            "(for reference)",
            _summary(rows["busy10_cpu"]),
        ),
        (
            f"main thread per {REPLY_TOKENS}-token reply, {messages('busy500')} messages "
            "in the page, ms",
            "<= 200",
            _summary(rows["busy500"]),
        ),
        (
            "  the same tasks' CPU time, ms",
            "(for reference)",
            _summary(rows["busy500_cpu"]),
        ),
    ]


def main() -> None:
    """Parse arguments, run, print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--profile", action="store_true", help="print where main-thread time goes per reply"
    )
    parser.add_argument(
        "--trace", action="store_true", help="print main-thread time per rendering phase"
    )
    parser.add_argument(
        "--renders", action="store_true", help="print the React components rendered per reply"
    )
    args = parser.parse_args()
    started = time.monotonic()
    table = run(args.runs, args.profile, args.trace, args.renders)
    print(f"Machine: {machine.describe()}. {args.runs} runs, median (min–max).\n")
    print("| measure | budget | result |\n|---|---|---|")
    print("\n".join(f"| {name} | {budget} | {result} |" for name, budget, result in table))
    print(f"\n(took {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
