"""Relaying replies between worker processes through Redis.

With several workers, the browser's reply stream may reach a worker other
than the one writing the reply. The writer appends each piece of text to a
Redis key and publishes it; any worker can then serve the stream: it
subscribes first, reads the text so far from the key, and forwards what is
published after. Only this module talks to Redis for replies.
"""

import asyncio
import json
from collections.abc import AsyncIterator

from redis import asyncio as redis_asyncio

from nomask_app.config import get_settings

KEY_TTL_SECONDS = 3600  # the live text outlives its reply by this much at most
_clients: dict[int, redis_asyncio.Redis] = {}


def enabled() -> bool:
    """Whether a Redis server is configured."""
    return bool(get_settings().redis_url)


def _client() -> redis_asyncio.Redis:
    # One client per event loop: a pool belongs to the loop that created it.
    loop = id(asyncio.get_running_loop())
    if loop not in _clients:
        # No CLIENT SETINFO: each new connection (one per follower, whose
        # subscription closes it) would otherwise look up redis-py's version in
        # its package metadata, reading files, and make two more round trips.
        _clients[loop] = redis_asyncio.Redis.from_url(get_settings().redis_url, driver_info=None)
    return _clients[loop]


def _key(message_id: str) -> str:
    return f"nomask:reply:{message_id}:text"


def _end_key(message_id: str) -> str:
    return f"nomask:reply:{message_id}:end"


def _channel(message_id: str) -> str:
    return f"nomask:reply:{message_id}"


async def publish_start(message_id: str) -> None:
    """Announce that this worker writes the reply (an empty live text)."""
    await _client().set(_key(message_id), b"", ex=KEY_TTL_SECONDS)


async def publish_text(message_id: str, offset: int, text: str) -> None:
    """Append a piece of the reply (ending at character `offset`) and announce it."""
    async with _client().pipeline(transaction=True) as pipe:
        pipe.append(_key(message_id), text.encode())
        pipe.expire(_key(message_id), KEY_TTL_SECONDS)
        pipe.publish(_channel(message_id), json.dumps({"o": offset, "t": text}))
        await pipe.execute()


async def publish_end(message_id: str, offset: int, status: str, error: str) -> None:
    """Announce the end of a reply; the live text expires soon after."""
    end = json.dumps({"o": offset, "s": status, "e": error})
    async with _client().pipeline(transaction=True) as pipe:
        pipe.set(_end_key(message_id), end, ex=60)
        pipe.publish(_channel(message_id), end)
        pipe.expire(_key(message_id), 60)
        await pipe.execute()


async def follow(message_id: str, offset: int, idle: float = 15.0) -> AsyncIterator[dict]:
    """Events of a reply written anywhere: {"o", "t"} pieces, then {"o", "s", "e"}.

    Yields nothing if no worker is writing this reply (no live text), and
    stops without an end event when the reply goes quiet for `idle` seconds
    (its worker may have died: the caller then checks the database).
    """
    pubsub = _client().pubsub()
    await pubsub.subscribe(_channel(message_id))
    try:
        live = await _client().get(_key(message_id))
        if live is None:
            return
        text = live.decode("utf-8", "replace")
        sent = offset
        if len(text) > sent:
            yield {"o": len(text), "t": text[sent:]}
            sent = len(text)
        ended = await _client().get(_end_key(message_id))
        if ended is not None:  # it ended before we subscribed
            yield json.loads(ended)
            return
        quiet_since = asyncio.get_running_loop().time()
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is None:
                if asyncio.get_running_loop().time() - quiet_since > idle:
                    return
                continue
            quiet_since = asyncio.get_running_loop().time()
            event = json.loads(message["data"])
            if "s" in event:
                yield event
                return
            start = event["o"] - len(event["t"])
            if event["o"] <= sent:
                continue  # already sent from the live text
            yield {"o": event["o"], "t": event["t"][sent - start :] if start < sent else event["t"]}
            sent = event["o"]
    finally:
        await pubsub.unsubscribe(_channel(message_id))
        await pubsub.aclose()
