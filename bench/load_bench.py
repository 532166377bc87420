"""Load benchmark of the chat (issue 9): concurrent streaming replies and idle tabs.

Runs the production build (two backend workers with PostgreSQL and Redis when
they are reachable, else SQLite and one worker) against the fake
OpenAI-compatible provider in its own process. Each simulated tab
(`load_tabs.py`) is a Socket.IO client that speaks Reflex's protocol like the
page and reads the reply over the page's SSE stream, timestamping every token.

    .venv/bin/python bench/load_bench.py --quick                        # smoke run
    .venv/bin/python bench/load_bench.py --users 10,50,100,200 --write  # full run
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("NOMASK_BCRYPT_ROUNDS", "4")  # seeding 200 accounts, not hashing

import aiohttp  # noqa: E402
import psutil  # noqa: E402
import redis  # noqa: E402

from bench import machine  # noqa: E402
from bench.load_tabs import TIMEOUT, Tab, tabs_for  # noqa: E402
from tests.browser.server import AppServer  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_NAME = "nomask_load_bench"
REDIS_URL = "redis://127.0.0.1:6379/7"
TTFT_MS, GAP_MS, TOKENS = 100, 20, 100
PROMPT = f"[[ttft:{TTFT_MS}]] [[gap:{GAP_MS}]] [[tokens:{TOKENS}]] load benchmark"
EXPECTED = " ".join(f"word{i}" for i in range(TOKENS))
WORKERS = [2]  # backend workers when Redis is there (`--workers`)
NAN = float("nan")


def _serve_fake(pipe) -> None:
    """The fake provider in its own process, so its threads do not share our GIL."""
    from tests.fakes.openai_server import FakeOpenAIServer

    server = FakeOpenAIServer().start()
    pipe.send(server.base_url)
    while pipe.recv() == "records":
        pipe.send([(r.first_token_at, r.last_token_at) for r in server.chat_requests()])
    server.stop()


def _backends() -> tuple[str, dict[str, str], str]:
    """Database URL ("" for SQLite), scale-out env and a description of both."""
    from sqlalchemy import create_engine, text

    from tests.support import fresh_postgres_database

    env, parts = {}, []
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()  # earlier states
        env = {"GRANIAN_WORKERS": str(WORKERS[0]), "REFLEX_REDIS_URL": REDIS_URL}
        parts.append(f"{WORKERS[0]} backend worker(s) + Redis")
    except redis.RedisError:
        parts.append("1 backend worker, no Redis (unreachable)")
    try:
        engine = create_engine(PG_ADMIN, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            version = connection.execute(text("show server_version")).scalar()
        engine.dispose()
        url = fresh_postgres_database(PG_ADMIN, PG_NAME)
        return url, env, ", ".join([*parts, f"PostgreSQL {version.split()[0]}"])
    except Exception:  # any failure to reach PostgreSQL means: SQLite
        return "", env, ", ".join([*parts, "SQLite (PostgreSQL unreachable)"])


def _seed(database_url: str, count: int) -> list[str]:
    """`count` accounts with one session each (no sign-in round trips); their cookies."""
    from sqlmodel import Session

    from nomask_app.db import build_engine
    from nomask_app.models.common import utcnow
    from nomask_app.services.accounts.accounts import sign_up
    from nomask_app.services.accounts.sessions import SESSION_COOKIE, create_session
    from nomask_app.services.privacy.policy import current_policy

    engine, cookies = build_engine(database_url), []
    with Session(engine, expire_on_commit=False) as session:
        for index in range(count):
            user = sign_up(
                session=session,
                name=f"Load {index}",
                email=f"load{index}@example.com",
                password="violet-harbor-lantern-42",
                is_adult=True,
                accepts_policy=True,
                policy_version=current_policy(session=session).version,
            )
            user.activated_at = utcnow()  # as if the emailed sign-up link had been used
            session.flush()
            _, token = create_session(session=session, user_id=user.id, user_agent="load-bench")
            cookies.append(f"{SESSION_COOKIE}={token}")
        session.commit()
    engine.dispose()
    return cookies


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (no interpolation: the value was really measured)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def _timings(results: list[dict]) -> dict:
    """TTFT and added gaps: each token's gap to the previous one minus GAP_MS.

    Tokens that arrive in the same SSE event are 0 ms apart (-GAP_MS added).
    """
    firsts, added = [], []
    named = [(result["named"] - result["sent"]) * 1000 for result in results]
    for result in results:
        arrivals = result["arrivals"]
        if arrivals:
            firsts.append((arrivals[0][0] - result["sent"]) * 1000)
        for (before, _), (arrived, count) in itertools.pairwise(arrivals):
            added += [(arrived - before) * 1000 - GAP_MS] + [-GAP_MS] * (count - 1)
    if not firsts or not added:
        return dict.fromkeys(("named50", "ttft50", "ttft95", "gap50", "gap95", "gap_mean"), NAN)
    return {
        "named50": percentile(named, 0.5),
        "ttft50": percentile(firsts, 0.5),
        "ttft95": percentile(firsts, 0.95),
        "gap50": percentile(added, 0.5),
        "gap95": percentile(added, 0.95),
        "gap_mean": sum(added) / len(added),
    }


def _stored_ok(database_url: str, ids: list[str]) -> int:
    """How many of the replies the database holds as complete, with every token."""
    from sqlmodel import Session, select

    from nomask_app.db import build_engine
    from nomask_app.models import Message

    engine = build_engine(database_url)
    with Session(engine) as session:
        rows = session.exec(select(Message).where(Message.id.in_(ids))).all()
        ok = sum(1 for row in rows if row.status == "complete" and row.content == EXPECTED)
    engine.dispose()
    return ok


class Meter:
    """Memory (backend PSS, Redis `used_memory`) and CPU time of the app."""

    def __init__(self, pid: int):
        self.pid, self.redis = pid, redis.Redis.from_url(REDIS_URL)
        try:
            self.redis.ping()
        except redis.RedisError:
            self.redis = None

    def _sum(self, measure) -> float:
        root, total = psutil.Process(self.pid), 0
        for process in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                total += measure(process)
        return total

    def memory(self) -> tuple[int, int]:
        # PSS splits shared pages between the workers instead of counting them twice.
        pss = self._sum(lambda process: process.memory_full_info().pss)
        return pss, self.redis.info("memory")["used_memory"] if self.redis else 0

    def cpu(self) -> tuple[float, float]:
        """CPU seconds so far of the app's processes and of this benchmark client."""
        own = psutil.Process().cpu_times()
        return self._sum(lambda p: sum(p.cpu_times()[:2])), own.user + own.system

    async def hydrate(self, tabs: list[Tab], settle: float) -> dict:
        """Connect `tabs` until hydrated; memory before, after and per tab."""
        before = self.memory()
        await asyncio.gather(*(tab.connect() for tab in tabs))
        await asyncio.sleep(settle)  # pending on_load work and socket buffers settle
        after = self.memory()
        in_redis = (after[1] - before[1]) / len(tabs) if self.redis else None
        per_tab = (after[0] - before[0]) / len(tabs)
        return dict(
            tabs=len(tabs), before=before[0], after=after[0], per_tab=per_tab, redis=in_redis
        )


async def level(server: AppServer, cookies: list[str], users: int, fake) -> dict:
    """`users` tabs hydrate, then all send at once; timings, losses, memory and CPU."""
    meter, tabs = Meter(server.process.pid), tabs_for(server.url, cookies, users)
    memory = await meter.hydrate(tabs, settle=2)
    fake.send("records")
    provider_before = len(fake.recv())
    cpu_before, started = meter.cpu(), time.monotonic()
    timeout = aiohttp.ClientTimeout(total=None, sock_read=TIMEOUT)
    connector = aiohttp.TCPConnector(limit=0)  # one SSE stream per tab, like the browser
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        outcomes = await asyncio.gather(
            *(t.converse(http, PROMPT, EXPECTED) for t in tabs), return_exceptions=True
        )
    # The client shares the cores: its CPU use tells how much it may have slowed the app.
    wall = time.monotonic() - started
    cpu = [after - before for before, after in zip(cpu_before, meter.cpu(), strict=True)]
    busy = meter.memory()[0]
    await asyncio.gather(*(tab.close() for tab in tabs), return_exceptions=True)
    results = [o for o in outcomes if isinstance(o, dict)]
    stored = _stored_ok(server.env["NOMASK_DATABASE_URL"], [r["id"] for r in results])
    fake.send("records")
    # What the fake provider itself added to the configured gap (it shares the cores too).
    records = fake.recv()[provider_before:]
    provider = [(last - first) * 1000 / (TOKENS - 1) - GAP_MS for first, last in records if last]
    return {
        **memory,
        **_timings(results),
        "users": users,
        "provider_gap_mean": sum(provider) / len(provider) if provider else NAN,
        "lost": users - min(sum(r["ok"] for r in results), stored),
        "errors": [repr(o) for o in outcomes if not isinstance(o, dict)][:3],
        "busy": busy,
        "cpu_app": cpu[0] / wall,
        "cpu_per_reply": cpu[0] * 1000 / users,  # what one reply costs the app, in CPU ms
        "cpu_client": cpu[1] / wall,
    }


async def measure(server: AppServer, cookies: list[str], counts: list[int], idle: int, fake):
    """Warm up, measure idle tabs on the fresh server, then each user count."""
    await level(server, cookies, 2, fake)  # warm-up: imports, pools, caches
    # Twice `idle` tabs, in two steps: the second step is the steady, marginal cost.
    meter = Meter(server.process.pid)
    first, more = tabs_for(server.url, cookies, idle), tabs_for(server.url, cookies, idle)
    idle_rows = [await meter.hydrate(first, settle=5), await meter.hydrate(more, settle=5)]
    await asyncio.gather(*(tab.close() for tab in first + more), return_exceptions=True)
    print(json.dumps(idle_rows), flush=True)
    rows = []
    for users in counts:
        rows.append(await level(server, cookies, users, fake))
        print(json.dumps(rows[-1]), flush=True)
    return rows, idle_rows


def run(counts: list[int], idle: int) -> tuple[list[dict], list[dict], str]:
    """Start provider and app, run every measurement; rows, idle tabs and the setup."""
    context = multiprocessing.get_context("spawn")
    fake, child_end = context.Pipe()
    provider = context.Process(target=_serve_fake, args=(child_end,), daemon=True)
    provider.start()
    base_url = fake.recv()
    workdir = Path(tempfile.mkdtemp(prefix="nomask-load-"))
    database_url, scale_env, setup = _backends()
    database_url = database_url or f"sqlite:///{workdir}/load.db"
    params = {"model": "openai/fake-load", "api_base": base_url, "api_key": "x"}
    models = workdir / "models.json"
    models.write_text(
        json.dumps({"model_list": [{"model_name": "load", "litellm_params": params}]})
    )
    limits = dict.fromkeys(("signin", "chat_send", "chat_send:ip"), "100000/minute")
    env = scale_env | {
        "NOMASK_MODELS_FILE": str(models),
        "NOMASK_RATE_LIMITS": json.dumps(limits),
        "NOMASK_MAX_SOCKETS_PER_IP": "100000",  # every simulated tab comes from 127.0.0.1
        "NOMASK_LLM_TIMEOUT_SECONDS": str(TIMEOUT),
        "NOMASK_LOG_LEVEL": "WARNING",  # an access-log line per request would be measured too
    }
    server = AppServer(workdir, database_url, extra_env=env, web_dir=".web-bench")
    try:
        server.start()
        cookies = _seed(database_url, max(counts))
        rows, idle = asyncio.run(measure(server, cookies, counts, idle, fake))
    finally:
        server.stop()
        if scale_env:  # leave no states behind in the shared Redis
            redis.Redis.from_url(REDIS_URL).flushdb()
        fake.send("stop")
        provider.join(5)
        if database_url.startswith("postgresql"):
            from tests.support import drop_postgres_database

            drop_postgres_database(PG_ADMIN, PG_NAME)
    return rows, idle, setup


def report(rows: list[dict], idle: list[dict], setup: str, took: float) -> str:
    """The Markdown section for RESULTS.md."""
    mib, date = 2**20, subprocess.run(["date", "-u"], capture_output=True, text=True).stdout
    lines = [
        f"### Load benchmark (issue 9) — {date.strip()}",
        "",
        f"Machine: {machine.describe()}. Load average at the end: {os.getloadavg()[0]:.1f}.",
        f"Setup: production build, {setup}. Provider: local fake in its own process, "
        f"TTFT {TTFT_MS} ms, {GAP_MS} ms between {TOKENS} tokens. All users send at once. "
        "Benchmark client, provider, app, database and Redis share the machine. TTFT: send "
        "event emitted -> first token read from the reply's SSE stream (includes the "
        f"provider's {TTFT_MS} ms). Added gap: time between consecutive tokens minus {GAP_MS} "
        "ms (tokens in one SSE event are 0 ms apart). Lost: replies not `complete` with "
        f"all {TOKENS} tokens, in the stream or in the database.",
        "",
        f"Idle tabs (target <= 100 KB each): {idle[0]['tabs']} hydrated tabs took the "
        f"backend's PSS from {idle[0]['before'] / mib:.1f} to {idle[0]['after'] / mib:.1f} MiB "
        f"(**{idle[0]['per_tab'] / 1024:.1f} KiB per tab**), {idle[1]['tabs']} more to "
        f"{idle[1]['after'] / mib:.1f} MiB (**{idle[1]['per_tab'] / 1024:.1f} KiB per tab**)."
        + (
            f" Redis: {idle[0]['redis'] / 1024:.1f} / {idle[1]['redis'] / 1024:.1f} KiB per tab."
            if idle[0]["redis"] is not None
            else ""
        ),
        "",
        "| users | TTFT p50 / p95, ms | send -> reply id p50, ms | added gap p50 / p95, ms "
        "| mean added gap, ms: measured / provider's own | lost "
        "| backend PSS idle / streaming, MiB | app CPU, cores / ms per reply / ms per token "
        "| client CPU, cores |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['users']} | {r['ttft50']:.0f} / {r['ttft95']:.0f} | {r['named50']:.0f} | "
        f"{r['gap50']:.0f} / "
        f"{r['gap95']:.0f} | {r['gap_mean']:.1f} / {r['provider_gap_mean']:.1f} | {r['lost']} | "
        f"{r['after'] / mib:.0f} / {r['busy'] / mib:.0f} | {r['cpu_app']:.2f} / "
        f"{r['cpu_per_reply']:.0f} / {r['cpu_per_reply'] / TOKENS:.2f} | {r['cpu_client']:.2f} |"
        for r in rows
    ]
    if errors := [e for r in rows for e in r["errors"]]:
        lines += ["", "Errors (first few): " + "; ".join(errors[:5])]
    return "\n".join([*lines, "", f"(took {took:.0f} s)"])


def _reply_length(tokens: int) -> None:
    global TOKENS, PROMPT, EXPECTED  # the module's defaults, set once before the run
    TOKENS = tokens
    PROMPT = f"[[ttft:{TTFT_MS}]] [[gap:{GAP_MS}]] [[tokens:{TOKENS}]] load benchmark"
    EXPECTED = " ".join(f"word{i}" for i in range(TOKENS))


def main() -> None:
    """Parse arguments, run, print (and optionally append to RESULTS.md)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--users", default="10,50", help="comma-separated numbers of users")
    parser.add_argument("--quick", action="store_true", help="smoke run: 5 users, 10 idle tabs")
    parser.add_argument("--idle", type=int, help="idle tabs to measure (default: most users)")
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    parser.add_argument(
        "--tokens", type=int, default=TOKENS, help="tokens per reply (two lengths give CPU/token)"
    )
    parser.add_argument("--workers", type=int, default=2, help="backend workers (with Redis)")
    args = parser.parse_args()
    _reply_length(args.tokens)
    WORKERS[0] = args.workers
    counts = [5] if args.quick else [int(n) for n in args.users.split(",")]
    started = time.monotonic()
    rows, idle, setup = run(counts, args.idle or (10 if args.quick else max(counts)))
    text = report(rows, idle, setup, time.monotonic() - started)
    print(text)
    if args.write:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as results:
            results.write("\n" + text + "\n")


if __name__ == "__main__":
    main()
