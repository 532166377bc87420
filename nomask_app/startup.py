"""Work done once when a backend process starts."""

import asyncio
import gc
from datetime import timedelta

from nomask_app.db import session_scope
from nomask_app.integrations import llm, llm_images
from nomask_app.models.common import utcnow
from nomask_app.services.chat import reply_progress

# A streaming reply is saved every second; one unchanged this long lost its process.
INTERRUPTED_AFTER = timedelta(seconds=15)


def _mark_interrupted_replies() -> None:
    with session_scope() as session:
        reply_progress.mark_interrupted(session=session, stale_before=utcnow() - INTERRUPTED_AFTER)


async def on_start() -> None:
    """Import litellm (seconds) now rather than on the first message; close dead replies."""
    await asyncio.to_thread(_mark_interrupted_replies)
    await llm.warm_up()
    await llm_images.warm_up()
    # litellm's import leaves millions of long-lived objects; frozen, the
    # collector stops walking them in its full passes (pauses mid-stream).
    gc.collect()
    gc.freeze()
