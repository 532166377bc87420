"""The image studio in Chromium: page weight against the chat page, and slider round trips.

Runs the production build (as the browser tests do, from .web-test/), signs in,
then measures with a cold cache:
- the bytes a first load of `/images` transfers, against `/` (the chat page);
  target: within 10%;
- a slider change on a 12-megapixel photo, from the input event to the new
  preview decoded in the page (websocket, server render, data URL, decode);
  target: <= 150 ms.

    .venv/bin/python bench/image_studio_browser.py [--runs 20]
"""

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.image_studio import photo  # noqa: E402
from bench.signin import signed_in_context  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.server import AppServer  # noqa: E402
from tests.factories import PASSWORD  # noqa: E402

EMAIL = "bench@example.com"
KIB = 1024

# Sets the slider like a person would (React listens to "input"), then resolves
# with the milliseconds until the preview <img> shows a new, decoded picture.
_SLIDE = """
async (value) => {
  const slider = document.getElementById("adjust-brightness");
  const preview = document.querySelector(".nm-workbench img");
  const before = preview.src;
  const changed = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (preview.src !== before) { observer.disconnect(); resolve(); }
    });
    observer.observe(preview, {attributes: true, attributeFilter: ["src"]});
  });
  const start = performance.now();
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
  setter.call(slider, String(value));
  slider.dispatchEvent(new Event("input", {bubbles: true}));
  await changed;
  await preview.decode();
  return performance.now() - start;
}
"""


def _seed(database_url: str) -> None:
    from sqlmodel import Session

    from nomask_app.db import build_engine
    from nomask_app.services.accounts.accounts import sign_up

    engine = build_engine(database_url)
    with Session(engine) as session:
        sign_up(
            session=session,
            name="Bench",
            email=EMAIL,
            password=PASSWORD,
            is_adult=True,
            accepts_policy=True,
        )
        session.commit()
    engine.dispose()


def _context(browser, base_url: str):
    return signed_in_context(browser, base_url, EMAIL, viewport={"width": 1280, "height": 900})


def page_weight(browser, base_url: str, path: str) -> dict[str, float]:
    """KiB transferred by a cold first load: scripts, styles, everything static."""
    context = _context(browser, base_url)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    kinds: dict[str, str] = {}
    totals = {"Script": 0, "Stylesheet": 0, "Document": 0, "Font": 0, "all static": 0}
    cdp.send("Network.enable")
    cdp.on("Network.responseReceived", lambda e: kinds.__setitem__(e["requestId"], e["type"]))

    def finished(event):
        kind = kinds.get(event["requestId"], "")
        if kind in totals:
            totals[kind] += event["encodedDataLength"]
        if kind in ("Script", "Stylesheet", "Document", "Font"):
            totals["all static"] += event["encodedDataLength"]

    cdp.on("Network.loadingFinished", finished)
    page.goto(path)
    page.get_by_role("button", name="Account").wait_for()
    page.wait_for_load_state("networkidle")
    context.close()
    return {kind: size / KIB for kind, size in totals.items()}


def slider_round_trips(browser, base_url: str, runs: int, workdir: Path) -> dict[str, list]:
    """Upload a 12 MP photo, open it, move the Brightness slider `runs` times."""
    picture = workdir / "twelve-megapixels.jpg"
    buffer = io.BytesIO()
    photo(4000, 3000).save(buffer, "JPEG", quality=90)
    picture.write_bytes(buffer.getvalue())
    context = _context(browser, base_url)
    page = context.new_page()
    page.goto("/images")
    page.get_by_role("button", name="Upload image").click()
    started = time.perf_counter()
    page.locator("input[type=file]").set_input_files(str(picture))
    page.get_by_role("heading", name=picture.name, level=2).wait_for(timeout=60_000)
    page.locator(".nm-workbench img[src^='data:image/jpeg']").wait_for()
    opened = (time.perf_counter() - started) * 1000
    spans = []
    for index in range(runs):
        spans.append(page.evaluate(_SLIDE, 60 + (index * 7) % 140))
        page.wait_for_timeout(250)  # a fresh gesture each time (the throttle is idle)
    context.close()
    return {"upload and open (ms)": [opened], "slider to new preview (ms)": spans}


def _summary(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(values):7.1f}   p95 {p95:7.1f}   max {max(values):7.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    workdir = Path(tempfile.mkdtemp(prefix="nomask-bench-studio-"))
    database_url = f"sqlite:///{workdir}/app.db"
    server = AppServer(workdir, database_url).start()
    try:
        _seed(database_url)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            weights = {path: [] for path in ("/", "/images")}
            for _ in range(5):
                for path in weights:
                    weights[path].append(page_weight(browser, server.url, path))
            print("== cold first load, KiB transferred (median of 5)")
            for kind in ("Script", "Stylesheet", "Document", "Font", "all static"):
                chat = statistics.median(w[kind] for w in weights["/"])
                studio = statistics.median(w[kind] for w in weights["/images"])
                change = (studio / chat - 1) * 100 if chat else 0.0
                print(f"{kind:12} chat {chat:8.1f}   studio {studio:8.1f}   ({change:+.1f}%)")
            print(f"== 12 MP photo in the editor ({runs} slider moves)")
            for label, values in slider_round_trips(browser, server.url, runs, workdir).items():
                print(f"{label:28} {_summary(values)}")
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
