"""Replies generated as server-side jobs that outlive the browser tab.

A job streams from the provider, keeps the growing text in memory for
followers (the page's event stream), saves it to the database at least once a
second, and ends as ``complete``, ``stopped`` or ``failed``. Closing or
reloading the page loses nothing: a new follower resumes from any offset.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from nomask_app.db import session_scope
from nomask_app.integrations import redis_relay
from nomask_app.integrations.llm import Finished, ProviderError, get_gateway
from nomask_app.services.chat import replies, reply_progress
from nomask_app.services.operations import metrics

log = logging.getLogger(__name__)

# Seconds between a worker's rounds over its replies: each round saves every
# reply that grew and checks all of them for a "Stop" pressed on another worker.
SAVE_INTERVAL = 1.0
FINAL_SAVE_ATTEMPTS = 10  # about 30 s of retries: long enough for a database restart
FINISHED_GRACE = 30.0  # finished jobs stay in memory this long for late followers
REQUEST_HEAD_START = 0.05  # seconds a send waits for its provider request to leave
# Text arriving within this many seconds goes onward (followers, other workers)
# as one piece: fewer wake-ups and events than one per token. Not longer: a
# token waits up to BATCH, and the added gap between tokens is a load target
# (issue 18: p95 <= 50 ms; 100 ms batches measured 82 ms). The page renders
# less often still (RENDER_EVERY_MS in chat_markdown.jsx). Text that waits (the
# provider paused) goes on after LATE at most.
BATCH, LATE = 0.04, 0.06
STALLED = "The AI provider stopped responding. Retry to try again."


@dataclass
class ReplyJob:
    """One reply being written."""

    message_id: str
    user_id: str
    model_id: str
    context_dropped: int
    text: str = ""
    status: str = "streaming"
    error: str = ""
    task: asyncio.Task | None = None
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    # Set once the request is on its way to the provider (or the job ended first).
    requested: asyncio.Event = field(default_factory=asyncio.Event)
    # Each deployment the request went to, for the record of what providers received.
    tried: list[tuple[str, str]] = field(default_factory=list)
    # Text received but not yet shared (see `BATCH`), when text was last shared,
    # and the timer that shares text left waiting when the provider pauses.
    pending: list[str] = field(default_factory=list)
    shared_at: float = float("-inf")
    late: asyncio.TimerHandle | None = None
    sharing: asyncio.Lock = field(default_factory=asyncio.Lock)
    late_task: asyncio.Task | None = None  # held so that the loop does not drop it mid-way
    saved: int = 0  # how much of `text` the database has

    async def head_start(self, limit: float = REQUEST_HEAD_START) -> None:
        """Wait (at most `limit` seconds) until the request is on its way.

        The work that follows a send (the page's update, the sidebar, the new
        address, the reply stream) shares this event loop with the provider
        call; letting the call go first takes its setup off the time to the
        first token.
        """
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.requested.wait(), limit)

    @property
    def done(self) -> bool:
        """Whether the reply has ended one way or another."""
        return self.status != "streaming"


@dataclass(frozen=True)
class StreamEvent:
    """A piece of text for a follower, or the end of the reply (`status` set)."""

    offset: int
    text: str = ""
    status: str = ""
    error: str = ""


async def _in_thread(function: Callable, /, **kwargs):
    def run():
        with session_scope() as session:
            return function(session=session, **kwargs)

    return await asyncio.to_thread(run)


async def _relay(publish: Callable, *args) -> None:
    """Share progress with other workers; a Redis hiccup never breaks the reply.

    Followers on other workers fall back to the saved progress in the database.
    """
    if not redis_relay.enabled():
        return
    try:
        await publish(*args)
    except Exception:  # the reply goes on; the database still has it
        log.warning("reply relay unavailable", exc_info=True)


class ReplyJobs:
    """The jobs of this process, by assistant message id."""

    def __init__(self, save: Callable[..., Awaitable[None]] = _in_thread):
        """Create an empty registry; `save` runs a chat service function in a session."""
        self._jobs: dict[str, ReplyJob] = {}
        self._save = save
        self._rounds: asyncio.Task | None = None

    def get(self, message_id: str) -> ReplyJob | None:
        """The job writing this message, if it runs (or just ran) here."""
        return self._jobs.get(message_id)

    def start(
        self,
        *,
        message_id: str,
        user_id: str,
        model_id: str,
        messages: list[dict],
        params: dict | None = None,
        context_dropped: int = 0,
        stall_timeout: float = 60.0,
    ) -> ReplyJob:
        """Start writing a reply in the background and return its job."""
        job = ReplyJob(message_id, user_id, model_id, context_dropped)
        self._jobs[message_id] = job
        job.task = asyncio.create_task(self._run(job, messages, params or {}, stall_timeout))
        rounds = self._rounds
        # A task of another (closed) event loop never ends: tests run one loop each.
        if rounds is None or rounds.done() or rounds.get_loop() is not asyncio.get_running_loop():
            self._rounds = asyncio.create_task(self._keep_up())
        return job

    async def stop(self, *, message_id: str, user_id: str) -> bool:
        """Stop a reply of `user_id`; the text so far is kept. False if none runs.

        A reply written by another worker process is flagged in the database;
        that worker notices within `SAVE_INTERVAL` seconds.
        """
        job = self._jobs.get(message_id)
        if job is None:
            return bool(
                await self._save(
                    reply_progress.request_stop, user_id=user_id, message_id=message_id
                )
            )
        if job.user_id != user_id or job.done or job.task is None:
            return False
        job.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await job.task
        return True

    async def _keep_up(self) -> None:
        """While replies are written here: save what grew, and stop those stopped elsewhere.

        One round a second for all of them, in one database transaction: with
        200 replies, a save and a Stop check per reply each second (400
        transactions) filled the thread pool that sends wait on.
        """
        while True:
            await asyncio.sleep(SAVE_INTERVAL)
            running = [job for job in self._jobs.values() if not job.done]
            if not running:
                return
            grown = {job.message_id: job.text for job in running if len(job.text) > job.saved}
            try:
                stopped = await self._save(
                    reply_progress.keep_up,
                    progress=grown,
                    running=[job.message_id for job in running],
                )
            except Exception:  # the database is briefly away: the next round catches up
                log.warning("saving replies' progress failed; will retry", exc_info=True)
                continue
            for job in running:
                job.saved = max(job.saved, len(grown.get(job.message_id, "")))
                if job.message_id in stopped and job.task is not None:
                    job.task.cancel()

    async def follow(self, message_id: str, offset: int = 0) -> AsyncIterator[StreamEvent]:
        """Text from `offset` on as it arrives, then one event with the final status."""
        job = self._jobs.get(message_id)
        if job is None:
            return
        while True:
            async with job.changed:
                await job.changed.wait_for(lambda seen=offset: len(job.text) > seen or job.done)
                piece, status = job.text[offset:], job.status
            if piece:
                offset += len(piece)
                yield StreamEvent(offset, piece)
            if status != "streaming":
                yield StreamEvent(offset, status=status, error=job.error)
                return

    async def _run(self, job: ReplyJob, messages: list[dict], params: dict, stall: float) -> None:
        finished: Finished | None = None
        status, error = "complete", ""
        loop = asyncio.get_running_loop()
        stream = get_gateway().stream(
            job.model_id,
            messages,
            params,
            # litellm may call it from a worker thread.
            on_request=lambda: loop.call_soon_threadsafe(job.requested.set),
            tried=job.tried,
        )
        started = time.monotonic()
        first, provider_failed = True, False
        metrics.reply_started()
        try:
            await _relay(redis_relay.publish_start, job.message_id)
            async with asyncio.timeout(stall) as deadline:
                async for item in stream:
                    deadline.reschedule(loop.time() + stall)
                    if isinstance(item, Finished):
                        finished = item
                        continue
                    if first:
                        first = False
                        metrics.first_token(job.model_id, time.monotonic() - started)
                    job.pending.append(item.text)
                    # Shared as the text arrives, but not more than once per BATCH
                    # (the first piece at once). No timer runs while text flows:
                    # on a virtual machine each wake-up of the loop costs ~0.2 ms.
                    if loop.time() - job.shared_at < BATCH:
                        if job.late is None:
                            job.late = loop.call_at(job.shared_at + LATE, self._share_late, job)
                        continue
                    await self._share(job)
        except asyncio.CancelledError:
            status = "stopped"
        except TimeoutError:
            status, error, provider_failed = "failed", STALLED, True
        except ProviderError as problem:
            status, error, provider_failed = "failed", problem.message, True
        except Exception:  # never lose the reply silently, whatever broke
            log.exception("reply generation failed", extra={"message_id": job.message_id})
            status, error = "failed", "Something went wrong while writing the reply."
        finally:
            job.requested.set()
            with contextlib.suppress(Exception):
                await stream.aclose()  # closes the upstream HTTP stream at once
            await self._share(job)
            metrics.reply_ended(
                model=job.model_id,
                status=status,
                provider_error=provider_failed,
                prompt_tokens=finished.prompt_tokens if finished else 0,
                completion_tokens=finished.completion_tokens if finished else 0,
            )
            await self._finish(job, status, error, finished)

    def _share_late(self, job: ReplyJob) -> None:
        job.late = None
        job.late_task = asyncio.create_task(self._share(job))

    async def _share(self, job: ReplyJob) -> None:
        """Pass the text received so far on to followers and other workers, in order."""
        if job.late is not None:
            job.late.cancel()
            job.late = None
        async with job.sharing:
            if job.pending:
                job.shared_at = asyncio.get_running_loop().time()
                await self._grow(job, "".join(job.pending))

    async def _grow(self, job: ReplyJob, text: str) -> None:
        job.pending.clear()
        async with job.changed:
            job.text += text
            job.changed.notify_all()
        await _relay(redis_relay.publish_text, job.message_id, len(job.text), text)

    async def _finish(
        self, job: ReplyJob, status: str, error: str, finished: Finished | None
    ) -> None:
        usage = {}
        if finished is not None:
            usage = {
                "served_model": finished.model_id,
                "deployment": finished.model,
                "provider": finished.provider,
                "prompt_tokens": finished.prompt_tokens,
                "completion_tokens": finished.completion_tokens,
                "cost_usd": finished.cost_usd,
            }
        try:
            await self._save_final(
                replies.finish_reply,
                message_id=job.message_id,
                content=job.text,
                status=status,
                error=error,
                context_dropped=job.context_dropped,
                tried=tuple(job.tried),
                **usage,
            )
        finally:
            # Followers learn the end only once it is saved, so a page that
            # reloads the message on "done" sees the final version.
            async with job.changed:
                job.status, job.error = status, error
                job.changed.notify_all()
            await _relay(redis_relay.publish_end, job.message_id, len(job.text), status, error)
            asyncio.get_running_loop().call_later(
                FINISHED_GRACE, self._jobs.pop, job.message_id, None
            )

    async def _save_final(self, function: Callable, **kwargs) -> None:
        """Store the end of a reply, waiting out a database restart."""
        delay = 0.5
        for attempt in range(FINAL_SAVE_ATTEMPTS):
            try:
                await self._save(function, **kwargs)
                return
            except Exception:
                if attempt == FINAL_SAVE_ATTEMPTS - 1:
                    raise
                log.warning("saving the end of a reply failed; retrying", exc_info=True)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)


jobs = ReplyJobs()
