"""Server CPU and wire bytes per streamed token of the reply path (issue 18, targets 1 and 5).

Runs the server's own reply path in this process, as a worker runs it: the
gateway (litellm) reading the fake OpenAI-compatible provider (in its own
process), the reply job (`ReplyJobs`), one follower per reply turned into the
page's event stream (`api.chat`, gzip as a browser asks for it). Database
saves are left out (they happen once a second, not per token; the load
benchmark counts them). CPU is this process's own (user + system).

Each case runs twice, with a short and a long reply: the difference per
extra token is the cost of a streamed token (the request's own cost - the
send, litellm's request set-up - cancels out). Both are reported.

    .venv/bin/python bench/stream_cpu.py                 # 1 and 100 concurrent streams
    .venv/bin/python bench/stream_cpu.py --gap 5 --streams 1
"""

import argparse
import asyncio
import multiprocessing
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["LITELLM_OFFLINE_MODE"] = "true"

from bench import machine  # noqa: E402

SHORT, LONG = 40, 240


def _serve_fake(pipe) -> None:
    from tests.fakes.openai_server import FakeOpenAIServer

    server = FakeOpenAIServer().start()
    pipe.send(server.base_url)
    pipe.recv()
    server.stop()


async def _nothing(function, /, **kwargs):
    return set()  # nothing stored (see the module docstring), no Stop pressed elsewhere


async def _reply(jobs, follow_sse, tokens: int, gap: int) -> tuple[int, int]:
    """One reply written and followed to its end: (events, bytes on the wire)."""
    message_id = uuid.uuid4().hex
    jobs.start(
        message_id=message_id,
        user_id="bench",
        model_id="custom/fake-a",
        messages=[{"role": "user", "content": f"[[tokens:{tokens}]] [[gap:{gap}]] bench"}],
    )
    events = size = 0
    async for piece in follow_sse(message_id):
        events += 1
        size += len(piece)
    return events, size


async def _case(streams: int, tokens: int, gap: int, gzip: bool) -> dict:
    from nomask_app.api import chat
    from nomask_app.services.chat.generation import ReplyJobs

    jobs = ReplyJobs(save=_nothing)
    chat.jobs = jobs  # the route's follower reads this registry

    def follow_sse(message_id: str):
        return chat.sse_body(chat._from_job(message_id, 0), gzip=gzip)

    await _reply(jobs, follow_sse, 5, 0)  # warm: first request paths, imports
    cpu, wall = time.process_time(), time.monotonic()
    results = await asyncio.gather(*(_reply(jobs, follow_sse, tokens, gap) for _ in range(streams)))
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    return {
        "cpu_ms": cpu * 1000,
        "wall": wall,
        "events": sum(r[0] for r in results) / streams,
        "bytes": sum(r[1] for r in results) / streams,
    }


async def measure(streams: int, gap: int) -> dict:
    """Per-token CPU (marginal and whole-reply) and SSE bytes for `streams` at once."""
    short = await _case(streams, SHORT, gap, gzip=True)
    long = await _case(streams, LONG, gap, gzip=True)
    plain = await _case(streams, LONG, gap, gzip=False)
    extra = (LONG - SHORT) * streams
    return {
        "streams": streams,
        "marginal_ms": (long["cpu_ms"] - short["cpu_ms"]) / extra,
        "whole_ms": long["cpu_ms"] / (LONG * streams),
        "events": long["events"],
        "sse_bytes": long["bytes"] / LONG,
        "sse_plain_bytes": plain["bytes"] / LONG,
        "wall": long["wall"],
    }


def main() -> None:
    """Run the cases and print a Markdown table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--streams", default="1,100", help="comma-separated concurrent streams")
    parser.add_argument("--gap", type=int, default=20, help="ms between the provider's tokens")
    args = parser.parse_args()
    ours, theirs = multiprocessing.Pipe()
    fake = multiprocessing.Process(target=_serve_fake, args=(theirs,), daemon=True)
    fake.start()
    os.environ["NOMASK_OPENAI_COMPATIBLE_BASE_URL"] = ours.recv()
    os.environ["NOMASK_OPENAI_COMPATIBLE_MODELS"] = '["fake-a"]'
    os.environ.pop("NOMASK_MODELS_FILE", None)
    os.environ.pop("NOMASK_REDIS_URL", None)
    rows = [asyncio.run(measure(int(n), args.gap)) for n in args.streams.split(",")]
    ours.send("stop")
    print(f"{machine.describe()}; provider gap {args.gap} ms; replies of {SHORT} and {LONG} tokens")
    print()
    print(
        "| streams | CPU per extra token, ms | CPU per token of a whole reply, ms "
        "| SSE events per reply | SSE bytes per token, gzip / plain |"
    )
    print("|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['streams']} | {row['marginal_ms']:.3f} | {row['whole_ms']:.3f} "
            f"| {row['events']:.0f} | {row['sse_bytes']:.1f} / {row['sse_plain_bytes']:.1f} |"
        )


if __name__ == "__main__":
    main()
