"""Websocket bytes per send in one tab, from the 1st message to the 200th (issue 18, target 4).

One Chromium tab on the production app sends `--sends` messages in a row (a
short reply each, from the local fake provider) and counts, through the
DevTools protocol, every websocket frame's payload sent and received from
pressing Enter until the reply has ended and the socket has been quiet for
`QUIET_MS` (so the reply's end, the conversation's title and the sidebar's
update are counted with the send that caused them). The account has
`SIDEBAR` other conversations, as a person who uses the app would.

    .venv/bin/python bench/ws_per_send.py              # 200 sends
    .venv/bin/python bench/ws_per_send.py --sends 45   # quicker, to compare commits
    .venv/bin/python bench/ws_per_send.py --sends 3 --show 3   # the frames of send 3
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import machine  # noqa: E402
from bench.browser_bench import Browser, _serving, _wait  # noqa: E402

REPLY = "[[ttft:30]] [[gap:2]] [[tokens:40]] short"
SIDEBAR = 20  # other conversations in the account (the sidebar lists them)
QUIET_MS = 400
REPORTED = (1, 2, 11, 40, 41, 100, 200)


def _frames(browser: Browser):
    """A signed-in page and a running count of websocket payload bytes (both directions).

    The count's "log" holds (direction, bytes, start of the payload) while it is a list.
    """
    page, cdp, _traffic = browser.page()
    count = {"bytes": 0, "frames": 0, "at": time.monotonic(), "log": None}

    def frame(direction: str):
        def seen(event):
            payload = event["response"]["payloadData"]
            count["bytes"] += len(payload.encode())
            count["frames"] += 1
            count["at"] = time.monotonic()
            if count["log"] is not None:
                count["log"].append((direction, len(payload.encode()), payload[:160]))

        return seen

    cdp.on("Network.webSocketFrameReceived", frame("down"))
    cdp.on("Network.webSocketFrameSent", frame("up"))
    return page, count


def _quiet(count: dict, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() - count["at"] < QUIET_MS / 1000:
        if time.monotonic() > deadline:
            raise TimeoutError("the websocket never went quiet")
        time.sleep(0.05)


def measure(browser: Browser, sends: int, show: int = 0) -> list[tuple[int, int]]:
    """(bytes, frames) of each send, in order, in one tab; prints the frames of send `show`."""
    page, count = _frames(browser)
    page.goto("/")
    _wait(page, "window.__nm.readyAt")
    page.wait_for_load_state("networkidle")
    _quiet(count)
    box = page.locator("#composer")
    results = []
    for number in range(1, sends + 1):
        before = (count["bytes"], count["frames"])
        count["log"] = [] if number == show else None
        ended = page.locator('[data-role="assistant"][data-status="complete"]')
        done = ended.count()
        box.fill(f"{REPLY} {number}")
        box.press("Enter")
        deadline = time.monotonic() + 30
        while ended.count() <= done:
            if time.monotonic() > deadline:
                raise TimeoutError(f"send {number}: the reply did not end")
            time.sleep(0.02)
        _quiet(count)
        results.append((count["bytes"] - before[0], count["frames"] - before[1]))
        for direction, size, start in count["log"] or ():
            print(f"{direction:>4} {size:6d}  {start}")
        if number == 1:
            page.wait_for_url("**/chat/*")
    page.context.close()
    return results


def run(sends: int, show: int = 0) -> list[tuple[str, str, str]]:
    """Measure; return rows of (measure, budget, result)."""
    from playwright.sync_api import sync_playwright

    sizes = {f"Other conversation {n}": 2 for n in range(SIDEBAR)}
    # One tab sends them all, faster than a person: lift the send limits.
    lifted = {"chat_send": "100000/minute", "chat_send:ip": "100000/minute"}
    with sync_playwright() as playwright, _serving(playwright, sizes, lifted) as served:
        _fake, _process, _seeded, browser = served
        results = measure(browser, sends, show)
    rows = []
    for number in REPORTED:
        if number <= sends:
            size, frames = results[number - 1]
            rows.append(
                (f"send {number}: websocket bytes (frames)", "<= 2048", f"{size} ({frames})")
            )
    sizes_only = [size for size, _ in results]
    worst = max(range(sends), key=lambda i: sizes_only[i])
    rows.append(
        (
            f"largest of sends 1-{sends} (which)",
            "<= 2048, no burst",
            f"{sizes_only[worst]} (send {worst + 1})",
        )
    )
    rows.append(("median of all sends", "(for reference)", f"{statistics.median(sizes_only):.0f}"))
    if sends >= 3:
        later = sizes_only[2:]
        rows.append(
            ("growth, last send minus 3rd", "~0", f"{later[-1] - later[0]:+d} bytes"),
        )
    return rows


def main() -> None:
    """Parse arguments, run, print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sends", type=int, default=200)
    parser.add_argument("--show", type=int, default=0, help="print the frames of this send")
    args = parser.parse_args()
    rows = run(args.sends, args.show)
    print(machine.describe())
    width = max(len(name) for name, _, _ in rows)
    for name, budget, result in rows:
        print(f"{name:<{width}}  {budget:>18}  {result}")


if __name__ == "__main__":
    main()
