"""One production app for the whole session, and a fresh browser context per test."""

import json
import os
import shutil

import pytest
import redis
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect, sync_playwright

from tests.browser import outbox
from tests.browser.server import AppServer
from tests.fakes.openai_server import FakeOpenAIServer
from tests.fakes.stripe_server import FakeStripe, billing_env
from tests.support import fresh_postgres_database

CHROMIUM = os.environ.get("NOMASK_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The whole production app runs on 2 cores next to Chromium: allow for a busy machine.
expect.set_options(timeout=15_000)

BROWSER_RATE_LIMITS = {
    "signin": "1000/minute",
    "signup": "1000/minute",
    "password_reset": "1000/minute",
    "chat_send": "1000/minute",
    "two_factor:ip": "1000/minute",
}
METRICS_TOKEN = "browser-metrics-token-0123456789"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def pytest_collection_modifyitems(items):
    browser_items = [item for item in items if "tests/browser/" in str(item.fspath)]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    # Browser tests last: once the session's sync Playwright runs, its event loop
    # counts as running in this thread and `asyncio.run` in later tests fails.
    others = [item for item in items if "tests/browser/" not in str(item.fspath)]
    # Fault tests at the very end: they restart services the others share.
    faults = [item for item in browser_items if item.fspath.basename == "test_faults.py"]
    rest = [item for item in browser_items if item not in faults]
    items[:] = others + rest + faults


def scale_out_env() -> dict[str, str]:
    """With NOMASK_TEST_REDIS_URL: two backend workers sharing one Redis.

    Reflex's states, the reply relay and the rate-limit counters all live in
    it (the counters by default, as in production). The test database is
    emptied first, so counters of an earlier run do not count.
    """
    redis_url = os.environ.get("NOMASK_TEST_REDIS_URL", "")
    if not redis_url:
        return {}
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    return {"REFLEX_REDIS_URL": redis_url, "GRANIAN_WORKERS": "2"}


@pytest.fixture(scope="session")
def fake_llm():
    """The local OpenAI-compatible provider that the app under test talks to."""
    server = FakeOpenAIServer().start()
    yield server
    server.stop()


def _models_file(path, base_url: str):
    """Models of the app under test: a team with failover, a tiny window, a vision model,
    and an image model ("Fake Painter")."""

    def deployment(name, model, **extra):
        params = {"model": f"openai/{model}", "api_base": base_url, "api_key": "test"}
        return {
            "model_name": name,
            "litellm_params": {**params, **extra.pop("params", {})},
            **extra,
        }

    models = [
        deployment("team", "fake-a", params={"order": 1}, model_info={"label": "Fake Team"}),
        deployment("team", "fake-b", params={"order": 2}, model_info={"label": "Fake Team"}),
        deployment("tiny", "fake-t", model_info={"label": "Tiny Window", "max_input_tokens": 80}),
        deployment(
            "vision", "fake-v", model_info={"label": "Fake Vision", "supports_vision": True}
        ),
        deployment(
            "painter",
            "fake-img",
            model_info={"label": "Fake Painter", "mode": "image_generation"},
        ),
    ]
    path.write_text(json.dumps({"model_list": models}))
    return path


@pytest.fixture(scope="session")
def stripe_server():
    """The local Stripe API; the shared app runs with billing on against it."""
    fake = FakeStripe().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory, fake_llm, stripe_server):
    workdir = tmp_path_factory.mktemp("app")
    postgres = os.environ.get("NOMASK_TEST_DATABASE_URL", "")
    database_url = (
        fresh_postgres_database(postgres, f"nomask_browser_{os.getpid()}")
        if postgres
        else f"sqlite:///{workdir}/app.db"
    )
    models = _models_file(workdir / "models.json", fake_llm.base_url)
    env = {
        **scale_out_env(),
        "NOMASK_MODELS_FILE": str(models),
        "NOMASK_LLM_COOLDOWN_SECONDS": "1",
        "NOMASK_LLM_TIMEOUT_SECONDS": "20",
        # Every test signs up and in from 127.0.0.1: per-address limits would
        # throttle the suite itself. Per-account limits keep their defaults.
        "NOMASK_RATE_LIMITS": json.dumps(BROWSER_RATE_LIMITS),
        "NOMASK_SIGNIN_FREE_FAILURES": "50",
        "NOMASK_SIGNIN_STUFFING_ACCOUNTS": "1000",
        # The same goes for open websockets: closed pages linger a little on the server.
        "NOMASK_MAX_SOCKETS_PER_IP": "500",
        "NOMASK_METRICS_TOKEN": METRICS_TOKEN,
        "NOMASK_LOG_LEVEL": "DEBUG",
        **billing_env(stripe_server),
    }
    server = AppServer(workdir, database_url, extra_env=env).start()
    outbox.serving(server)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test's report ends with what the app logged, requests left out.

    A failure on CI is often the page's view of a server error; its traceback
    is only in the app's log, which is gone with the CI machine. 400 lines:
    a restart of a service logs a traceback of ~40 lines per failed event,
    and 80 lines held only the last one.
    """
    report = yield
    server = getattr(item, "funcargs", {}).get("app_server")
    if report.failed and server is not None:
        report.sections.append(("app log, requests left out", server.log_tail(400, requests=False)))
    return report


class PageProblems(list):
    """Console errors and uncaught exceptions seen while a test ran."""


@pytest.fixture
def page(browser, app_server):
    context = browser.new_context(base_url=app_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems = PageProblems()
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    page.problems = problems
    yield page
    context.close()
    assert list(problems) == [], f"browser reported problems: {problems}\n{app_server.log_tail(20)}"


@pytest.fixture(scope="session")
def axe():
    return Axe()


# Every finite animation has finished (spinners turn forever and do not count).
_SETTLED = """() => document.getAnimations().every(
    (a) => a.playState !== "running" || a.effect?.getComputedTiming().iterations === Infinity
)"""


@pytest.fixture
def assert_accessible(axe):
    """Fail on any WCAG 2.x A/AA violation that axe-core finds on the page."""

    def check(page, within: str | None = None):
        """`within`: a CSS selector, e.g. "[role=dialog]" for an open modal dialog.

        The page behind a modal is inert and scroll-locked; axe misjudges the
        colours of its off-screen parts, so a dialog is checked on its own (the
        page was checked before it opened).
        """
        # Judge the page at rest: halfway through a dialog's fade-in its text is
        # paler than it will be, and axe would report the contrast of that frame.
        page.wait_for_function(_SETTLED)
        options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}}
        results = axe.run(page, context=within, options=options)
        violations = results.response["violations"]
        assert violations == [], results.generate_report()

    return check
