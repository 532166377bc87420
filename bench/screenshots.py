"""Screenshots of the chat page: desktop and phone, light and dark, with and without banners.

Starts the production build against the local OpenAI-compatible fake, seeds one
account with conversations of different ages (the sidebar's date groups), one
of them answered with a reply full of markdown (lists, headings, a link, a
quote, a table, code), and saves PNGs under docs/screenshots/ (or --out):

    .venv/bin/python bench/screenshots.py
"""

import argparse
import json
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.signin import signed_in_context  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.server import AppServer  # noqa: E402
from tests.fakes.openai_server import FakeOpenAIServer  # noqa: E402

EMAIL = "dana@example.com"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

REPLY = """Here is a summary of the plan.

## Steps

1. Book the train to **Porto** before Friday.
2. Pack light:
   - a rain jacket
   - walking shoes
3. Read the [timetable](https://www.cp.pt/passageiros/en/train-times) on the way.

> Trains fill up on holiday weekends, so book early.

| Day | City | Night |
|---|---|---|
| Friday | Lisbon | Alfama guesthouse |
| Saturday | Porto | Ribeira hostel |

```python
def budget(nights: int, per_night: float = 45.0) -> float:
    return nights * per_night
```

A long address wraps instead of widening the page: https://example.com/a/very/long/path/that/keeps/going/and/going/without/any/spaces/at/all
"""

# Conversations seeded at these ages fill the sidebar's date groups; the first
# one is opened.
SEEDED = (
    ("Weekend in Porto", timedelta(minutes=5)),
    ("Quarterly report outline", timedelta(days=1)),
    ("Sourdough starter schedule", timedelta(days=3)),
    ("Tax questions for freelancers", timedelta(days=40)),
)


OPENED = SEEDED[0][0]


def _seed(database_url: str) -> str:
    """The account and its conversations; returns the id of the one to open."""
    from sqlmodel import Session

    from nomask_app.db import build_engine
    from nomask_app.models import Conversation, Message
    from nomask_app.models.common import utcnow
    from tests.factories import make_user

    engine = build_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        user = make_user(session, name="Dana Example", email=EMAIL)
        ids = {}
        for title, age in SEEDED:
            when = utcnow() - age
            conversation = Conversation(
                user_id=user.id, title=title, title_is_auto=False, created_at=when, updated_at=when
            )
            session.add(conversation)
            session.flush()
            question = f"Can you help with this: {title.lower()}?"
            if title == OPENED:
                question = "Plan my weekend trip to Porto, with a table of where we sleep."
            answer = REPLY if title == OPENED else f"Of course. Notes on {title.lower()}."
            parent_id = None
            for seq, role, content in ((1, "user", question), (2, "assistant", answer)):
                message = Message(
                    conversation_id=conversation.id,
                    user_id=user.id,
                    seq=seq,
                    parent_id=parent_id,  # one path: each message answers the one before
                    role=role,
                    content=content,
                    model="fake-team" if role == "assistant" else "",
                    created_at=when,
                    updated_at=when,
                )
                session.add(message)
                session.flush()
                parent_id = message.id
            ids[title] = conversation.id
        session.commit()
    engine.dispose()
    return ids[OPENED]


def _models_file(path: Path, base_url: str) -> Path:
    deployment = {
        "model_name": "fake-team",
        "litellm_params": {"model": "openai/fake-team", "api_base": base_url, "api_key": "x"},
        "model_info": {"label": "Fake Team"},
    }
    path.write_text(json.dumps({"model_list": [deployment]}))
    return path


def _signed_in(browser, base_url: str, viewport: dict, scheme: str):
    return signed_in_context(browser, base_url, EMAIL, viewport=viewport, color_scheme=scheme)


def _wait_for_reply(page) -> None:
    """Wait until the conversation's last message is a finished reply."""
    from playwright.sync_api import expect

    last = page.locator('[data-testid="message"]').last
    expect(last).to_have_attribute("data-role", "assistant", timeout=30_000)
    expect(last).to_have_attribute("data-status", "complete", timeout=30_000)


def take(out: Path) -> list[Path]:
    """Start the app, seed, chat once, and save every screenshot; return their paths."""
    from playwright.sync_api import expect, sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    fake = FakeOpenAIServer().start()
    workdir = Path(tempfile.mkdtemp(prefix="nomask-shots-"))
    models = _models_file(workdir / "models.json", fake.base_url)
    server = AppServer(
        workdir,
        f"sqlite:///{workdir}/shots.db",
        extra_env={"NOMASK_MODELS_FILE": str(models)},
        web_dir=".web-bench",
    )
    try:
        server.start()
        opened = _seed(server.env["NOMASK_DATABASE_URL"])
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            # First visit: cookie choice and email-confirmation notices showing.
            for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                context = _signed_in(browser, server.url, viewport, "light")
                page = context.new_page()
                page.goto("/")
                # The banner is drawn from the first paint; wait for the page to be usable.
                expect(page.get_by_role("button", name="Essential only")).to_be_enabled()
                expect(page.get_by_role("textbox", name="Message")).to_be_visible()
                path = out / f"chat-banners-{size}-light.png"
                page.screenshot(path=str(path))
                saved.append(path)
                context.close()
            context = _signed_in(browser, server.url, DESKTOP, "light")
            page = context.new_page()
            page.goto("/")
            page.get_by_role("button", name="Essential only").click()
            expect(page.get_by_role("button", name="Essential only")).to_have_count(0)
            address = f"/chat/{opened}"
            cookies = context.cookies()
            context.close()
            for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                for scheme in ("light", "dark"):
                    context = browser.new_context(
                        base_url=server.url, viewport=viewport, color_scheme=scheme
                    )
                    context.add_cookies(cookies)
                    page = context.new_page()
                    page.goto(address)
                    _wait_for_reply(page)
                    page.wait_for_timeout(500)  # fonts and the last paint
                    path = out / f"chat-{size}-{scheme}.png"
                    page.screenshot(path=str(path))
                    saved.append(path)
                    drawer = page.get_by_role("button", name="Conversations")
                    if size == "phone" and drawer.count():
                        drawer.click()
                        expect(page.get_by_role("dialog", name="Conversations")).to_be_visible()
                        page.wait_for_timeout(400)  # the drawer's slide-in
                        path = out / f"chat-phone-drawer-{scheme}.png"
                        page.screenshot(path=str(path))
                        saved.append(path)
                    context.close()
            browser.close()
    finally:
        server.stop()
        fake.stop()
    return saved


def main() -> None:
    """Parse the arguments and take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    for path in take(args.out):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
