"""Two hosts: two app instances share only PostgreSQL, Redis and one S3 bucket.

A and B are separate production apps, each with its own port, data folder,
workers and processes, behind one load balancer (tests/fakes/balancer.py)
as replicas on two machines are. The balancer sends new connections to the
instance a step names, so every step below says which host it goes through.
A reply, an export, an account deletion and the periodic sweep must all work
whichever host a person (or a job) lands on, and when a host dies.

Runs only in the PostgreSQL + Redis pass: SQLite and a single process's
memory cannot be shared between hosts.
"""

import json
import os
import shutil
import signal
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from nomask_app.config import PROJECT_ROOT
from nomask_app.db import build_engine
from nomask_app.models import Conversation, DataExport, JobLease, Message, StoredFile, User
from nomask_app.services.privacy.privacy_sweep import SWEEP_JOB
from tests.browser.chat_steps import conversation_id, messages, send
from tests.browser.conftest import BROWSER_RATE_LIMITS, _models_file
from tests.browser.helpers import at, sign_in, unique_email, wait_until
from tests.browser.server import AppServer
from tests.factories import PASSWORD, make_user
from tests.fakes.balancer import Balancer
from tests.fakes.s3_server import S3Server
from tests.support import drop_postgres_database, fresh_postgres_database

POSTGRES = os.environ.get("NOMASK_TEST_DATABASE_URL", "")
REDIS = os.environ.get("NOMASK_TEST_REDIS_URL", "")
pytestmark = pytest.mark.skipif(
    not (POSTGRES and REDIS),
    reason="two hosts share this machine's PostgreSQL and Redis (the PostgreSQL + Redis pass)",
)

# The hosts' own build folder: the suite's app keeps serving .web-test, built for its address.
WEB_DIR = ".web-two-hosts"
SWEEP_SECONDS = 6  # each instance looks this often; one of them sweeps
LEASE_SECONDS = 3  # a dead host's export is taken over after two leases
PREFIX = "two-hosts/"  # the bucket's key prefix of both hosts


def _web_dir() -> str:
    """The hosts' build folder, seeded once from the suite's (only the build runs, no install)."""
    target, suite = PROJECT_ROOT / WEB_DIR, PROJECT_ROOT / ".web-test"
    if not target.exists() and (suite / "node_modules").is_dir():
        shutil.copytree(suite, target, symlinks=True)
    return WEB_DIR


def _redis_of_our_own(url: str) -> str:
    """The next Redis database after the suite's: the browser suite's app keeps its own."""
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(number + 1) % 16}"))


@dataclass
class Cluster:
    """Hosts A and B, their balancer, bucket and database; browser pages through either."""

    a: AppServer
    b: AppServer
    balancer: Balancer
    bucket: S3Server
    database_url: str
    browser: object
    contexts: list = field(default_factory=list)

    def account(self, name: str) -> tuple[str, str]:
        """A new usable account (made in the shared database): its email and id."""
        engine = build_engine(self.database_url)
        with Session(engine) as session:
            user = make_user(session, name=name, email=unique_email("host"))
            found = (user.email, user.id)
        engine.dispose()
        return found

    def through(self, host: AppServer, email: str, path: str = "/") -> Page:
        """A new browser, signed in as `email`, whose connections all go to `host`."""
        self.balancer.send_to(host.port)
        context = self.browser.new_context(
            base_url=self.balancer.url, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        sign_in(page, email, PASSWORD)
        expect(page).to_have_url(at("/"))
        if path != "/":
            page.goto(path)
            expect(page).to_have_url(at(path))
        return page

    @contextmanager
    def database(self) -> Iterator[Session]:
        """A session on the hosts' shared database."""
        engine = build_engine(self.database_url)
        try:
            with Session(engine, expire_on_commit=False) as session:
                yield session
        finally:
            engine.dispose()

    def objects(self) -> set[str]:
        """Every object name in the hosts' part of the bucket."""
        return {name.removeprefix(PREFIX) for name in self.bucket.keys(PREFIX)}

    def sweeps(self) -> list[tuple[datetime, str, dict]]:
        """(start, host, log record) of every sweep either host ran, in order."""
        found = []
        for label, host in (("A", self.a), ("B", self.b)):
            for line in host.log_path.read_text(errors="replace").splitlines():
                if '"privacy sweep ran"' not in line:
                    continue
                record = json.loads(line[line.index("{") :])
                found.append((datetime.fromisoformat(record["sweep_started"]), label, record))
        return sorted(found, key=lambda item: item[0])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, fake_llm, browser):
    started = time.monotonic()
    bucket = S3Server().start()
    database_url = fresh_postgres_database(POSTGRES, f"nomask_two_hosts_{os.getpid()}")
    redis_url = _redis_of_our_own(REDIS)
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    balancer = Balancer().start()
    workdir = tmp_path_factory.mktemp("two-hosts")
    shared = {
        **bucket.env(PREFIX),
        "REFLEX_REDIS_URL": redis_url,
        "GRANIAN_WORKERS": "1",  # two hosts of one worker each: the machine has two cores
        "NOMASK_MODELS_FILE": str(_models_file(workdir / "models.json", fake_llm.base_url)),
        "NOMASK_RATE_LIMITS": json.dumps(BROWSER_RATE_LIMITS),
        "NOMASK_MAX_SOCKETS_PER_IP": "500",
        "NOMASK_PRIVACY_SWEEP_MINUTES": str(SWEEP_SECONDS / 60),
        "NOMASK_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    web_dir = _web_dir()
    hosts = []
    for name in ("a", "b"):
        folder = workdir / name
        folder.mkdir()
        hosts.append(
            AppServer(
                folder, database_url, extra_env=shared, web_dir=web_dir, public_url=balancer.url
            )
        )
    try:
        # One after the other: both build the same frontend (for the balancer's
        # address) into one folder, and B must not rewrite it while A starts.
        for host in hosts:
            host.start()
        print(f"two hosts up in {time.monotonic() - started:.0f}s")
        yield Cluster(*hosts, balancer, bucket, database_url, browser)
    finally:  # A is stopped even when B failed to start
        for host in hosts:
            host.stop()
        balancer.stop()
        bucket.stop()
        drop_postgres_database(POSTGRES, urlsplit(database_url).path.strip("/"))


@pytest.fixture
def hosts(cluster):
    yield cluster
    for context in cluster.contexts:
        context.close()
    cluster.contexts.clear()


def _export_of(hosts: Cluster, user_id: str) -> DataExport | None:
    with hosts.database() as session:
        return session.exec(select(DataExport).where(DataExport.user_id == user_id)).first()


def _download_export(page: Page, tmp_path) -> zipfile.ZipFile:
    button = page.get_by_role("button", name="Download export")
    expect(button).to_be_visible(timeout=30_000)
    with page.expect_download() as caught:
        button.click()
    saved = tmp_path / "export.zip"
    caught.value.save_as(saved)
    return zipfile.ZipFile(saved)


def test_a_reply_started_through_a_is_streamed_and_stopped_through_b(hosts, fake_llm):
    email, _ = hosts.account("Replying Person")
    on_a = hosts.through(hosts.a, email)
    on_b = hosts.through(hosts.b, email)
    hosts.balancer.send_to(hosts.a.port)
    send(on_a, "[[slow]] [[tokens:400]]")
    chat = conversation_id(on_a)
    expect(messages(on_a, "assistant")).to_contain_text("word3")

    hosts.balancer.send_to(hosts.b.port)
    through_a = hosts.balancer.connections[hosts.a.port]
    on_b.goto(f"/chat/{chat}")
    reply = messages(on_b, "assistant")
    expect(reply).to_have_attribute("data-status", "streaming")
    seen = len(reply.inner_text())
    wait_until(lambda: len(reply.inner_text()) > seen + 20)  # B streams it as it grows
    before = len(fake_llm.state.disconnects)
    on_b.get_by_role("button", name="Stop").click()
    expect(reply).to_contain_text("Stopped.")
    expect(reply).to_have_attribute("data-status", "stopped")
    # A's worker, which talks to the provider, ended the request...
    wait_until(lambda: len(fake_llm.state.disconnects) == before + 1)
    # ...and the page on A sees the reply stopped too.
    expect(messages(on_a, "assistant")).to_contain_text("Stopped.")
    assert "word399" not in reply.inner_text()
    with hosts.database() as session:
        stored = session.exec(
            select(Message).where(Message.conversation_id == chat, Message.role == "assistant")
        ).one()
    assert stored.status == "stopped"
    assert hosts.balancer.connections[hosts.a.port] == through_a  # B did all of it


def test_an_export_requested_on_a_is_downloaded_from_b(hosts, tmp_path):
    email, user_id = hosts.account("Exporting Person")
    on_a = hosts.through(hosts.a, email, "/privacy")
    on_a.get_by_role("button", name="Export my data").click()
    expect(on_a.get_by_role("button", name="Download export")).to_be_visible(timeout=30_000)
    export = _export_of(hosts, user_id)
    # The archive is in the bucket, not on A's disk.
    assert f"exports/{export.id}.zip" in hosts.objects()
    assert list((hosts.a.workdir / "data" / "exports").glob("*")) == []

    on_b = hosts.through(hosts.b, email, "/privacy")
    through_a = hosts.balancer.connections[hosts.a.port]
    with _download_export(on_b, tmp_path) as archive:
        assert json.loads(archive.read("account.json"))["email"] == email
    assert hosts.balancer.connections[hosts.a.port] == through_a


def test_an_account_deleted_through_b_loses_the_files_written_through_a(hosts, tmp_path):
    from PIL import Image

    email, user_id = hosts.account("Leaving Person")
    on_a = hosts.through(hosts.a, email, "/images")
    picture = tmp_path / "mine.png"
    Image.new("RGB", (40, 30), (1, 2, 3)).save(picture)
    on_a.get_by_role("button", name="Upload image").click()
    on_a.locator("input[type=file]").set_input_files(str(picture))
    expect(on_a.get_by_role("button", name="Open mine.png")).to_be_visible()
    on_a.goto("/privacy")
    on_a.get_by_role("button", name="Export my data").click()
    expect(on_a.get_by_role("button", name="Download export")).to_be_visible(timeout=30_000)
    with hosts.database() as session:
        rows = session.exec(select(StoredFile).where(StoredFile.user_id == user_id)).all()
    keys = {key for row in rows for key in (row.storage_key, row.thumbnail_key) if key}
    theirs = {f"{key[:2]}/{key}" for key in keys} | {f"exports/{_export_of(hosts, user_id).id}.zip"}
    assert len(theirs) == 3  # the upload, its thumbnail and the export
    assert theirs <= hosts.objects()

    on_b = hosts.through(hosts.b, email, "/privacy")
    on_b.get_by_role("button", name="Delete account").click()
    dialog = on_b.get_by_role("dialog", name="Delete your account?")
    dialog.get_by_label("Current password").fill(PASSWORD)
    dialog.get_by_label("Type DELETE to confirm").fill("DELETE")
    dialog.get_by_role("button", name="Delete my account").click()
    expect(on_b).to_have_url(at("/login"))
    with hosts.database() as session:
        assert session.get(User, user_id) is None
    assert theirs & hosts.objects() == set()
    # What is left in the bucket is its tombstone (the id and the time), for every host.
    assert {name for name in hosts.objects() if user_id in name} == {f"tombstones/{user_id}"}


def test_each_sweep_runs_on_one_host_only(hosts):
    # Both hosts have been trying every few seconds since they started.
    wait_until(lambda: len(hosts.sweeps()) >= 3, timeout=4 * SWEEP_SECONDS)
    starts = [start for start, _, _ in hosts.sweeps()]
    gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(starts)]
    # A second sweep within the interval would be a host sweeping the other's turn again
    # (a few milliseconds pass between reading the clock and claiming the lease).
    assert min(gaps) >= SWEEP_SECONDS - 0.5, gaps

    def released() -> bool:
        with hosts.database() as session:
            lease = session.get(JobLease, SWEEP_JOB)
        return lease is not None and lease.owner == ""

    # Kept by nobody until the next is due. A sweep logs just before its host lets
    # go of the lease, so the lease may still be held for a moment after the log.
    wait_until(released, timeout=SWEEP_SECONDS / 2)


def _big_account(hosts: Cluster, user_id: str, conversations: int) -> None:
    """Enough conversations that an export takes a few seconds to build."""
    with hosts.database() as session:
        for number in range(conversations):
            chat = Conversation(user_id=user_id, title=f"Chat {number}")
            session.add(chat)
            question = Message(
                conversation_id=chat.id, user_id=user_id, seq=1, role="user", content="Q " * 200
            )
            session.add(question)
            session.add(
                Message(
                    conversation_id=chat.id,
                    user_id=user_id,
                    seq=2,
                    parent_id=question.id,
                    role="assistant",
                    content="A " * 400,
                )
            )
        session.commit()


def test_killing_a_mid_export_lets_b_finish_it(hosts, tmp_path):
    email, user_id = hosts.account("Patient Person")
    _big_account(hosts, user_id, conversations=1500)
    on_a = hosts.through(hosts.a, email, "/privacy")
    on_a.get_by_role("button", name="Export my data").click()

    def under_way() -> bool:
        export = _export_of(hosts, user_id)  # none until A has handled the click
        return export is not None and export.status == "running" and export.progress >= 1

    wait_until(under_way, timeout=30, interval=0.05)
    os.killpg(hosts.a.process.pid, signal.SIGKILL)
    hosts.a.process.wait()
    killed_at = _export_of(hosts, user_id)
    assert killed_at.status == "running", "the export ended before A was killed"
    assert list((hosts.a.workdir / "data" / "exports").glob("*.zip.part")) != []  # half-built

    # B's sweep finds the silent export, waits out A's lease, and builds it again.
    wait_until(lambda: _export_of(hosts, user_id).status == "ready", timeout=90, interval=0.5)

    def resumed_by() -> list[str]:  # the sweep logs once it has done the rest of its work too
        return [host for _, host, record in hosts.sweeps() if record["exports_resumed"]]

    wait_until(lambda: resumed_by() != [], timeout=30, interval=0.5)
    assert resumed_by() == ["B"]
    on_b = hosts.through(hosts.b, email, "/privacy")
    with _download_export(on_b, tmp_path) as archive:
        listed = json.loads(archive.read("conversations.json"))["conversations"]
    assert len(listed) == 1500
    assert list((hosts.b.workdir / "data" / "exports").glob("*")) == []
