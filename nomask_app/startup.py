"""Work done once when a backend process starts."""

import asyncio
import gc
import logging
from datetime import timedelta

from nomask_app.db import session_scope
from nomask_app.integrations import llm, llm_images
from nomask_app.models.common import utcnow
from nomask_app.services.chat import reply_progress
from nomask_app.states.chat import loaders

log = logging.getLogger(__name__)

# A streaming reply is saved every second; one unchanged this long lost its process.
INTERRUPTED_AFTER = timedelta(seconds=15)


def _mark_interrupted_replies() -> None:
    with session_scope() as session:
        reply_progress.mark_interrupted(session=session, stale_before=utcnow() - INTERRUPTED_AFTER)


async def on_start() -> None:
    """Close dead replies; import litellm (seconds) and rehearse a send now, not on first use."""
    await asyncio.to_thread(_mark_interrupted_replies)
    await llm.warm_up()
    await llm_images.warm_up()
    try:
        await asyncio.to_thread(loaders.rehearse_turns)
    except Exception:  # the first message then only waits a little longer
        log.warning("the rehearsed send failed", exc_info=True)
    # litellm's import leaves millions of long-lived objects; frozen, the
    # collector stops walking them in its full passes (pauses mid-stream).
    gc.collect()
    gc.freeze()
