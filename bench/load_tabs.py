"""A simulated browser tab of the chat for `load_bench.py`: Reflex's websocket and the reply stream.

Speaks Reflex's protocol like the page: hydrate on connect, `ChatState.send`,
`reply_finished`; a first message changes only the address, so no page load
follows it. Reads the reply over the page's SSE stream, timestamping every token.
"""

import asyncio
import json
import re
import time
import uuid
from pathlib import Path

import aiohttp
import reflex as rx
import socketio

from nomask_app.states.chat.conversation import ChatState
from nomask_app.states.chat.views import COMPOSER_ID

ROOT = Path(__file__).resolve().parent.parent
# The page names states by module and class: read the names where they are defined.
ROOT_STATE = rx.State.get_full_name()
CHAT = ChatState.get_full_name()
HYDRATE = f"{ROOT_STATE}.hydrate_and_load"
NAMESPACE = "/_event"  # the page's io(".../_event") names the namespace after the path
CONNECT_AT_ONCE = 20  # tabs opening in parallel: a steady arrival, not a connect storm
TIMEOUT = 180  # seconds for one reply, however slow


def _schema() -> dict:
    """The built frontend's state schema and hashes, which the page sends on connect."""
    context = (ROOT / ".web-bench" / "utils" / "context.jsx").read_text()
    return {
        "schema": re.search(r'stateSchema = "(\w+)"', context).group(1),
        "hashes": json.loads(re.search(r"initialStateHashes = (\[.*?\])", context).group(1)),
    }


class Tab:
    """One browser tab: a Reflex websocket with its own client token."""

    def __init__(self, base: str, cookie: str, schema: dict, gate: asyncio.Semaphore):
        self.base, self.cookie, self.schema, self.gate = base, cookie, schema, gate
        self.reply_id = ""
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("event", self._on_update, namespace=NAMESPACE)
        self.hydrated, self.reply_seen = asyncio.Event(), asyncio.Event()
        self.opened = self.loaded = False

    def _event(self, name: str, payload: dict) -> dict:
        route = {"pathname": "/", "asPath": "/"}  # the router stays at `/`
        return {"name": name, "payload": payload, "router_data": route}

    async def _on_update(self, update: dict) -> None:
        delta = update.get("delta") or {}
        # Hydrated once on_load ran and opened the chat (its list of shown messages:
        # the sidebar of an account without conversations sends nothing new).
        self.opened = self.opened or "log_rx_state_" in delta.get(CHAT, {})
        self.loaded = self.loaded or bool(delta.get(ROOT_STATE, {}).get("is_hydrated_rx_state_"))
        if self.opened and self.loaded:
            self.hydrated.set()
        if reply_id := delta.get(CHAT, {}).get("streaming_id_rx_state_"):
            self.reply_id = reply_id
            self.reply_seen.set()

    async def connect(self) -> None:
        """Open the websocket with the hydrate event, as the page does; wait for on_load."""
        async with self.gate:
            await self.sio.connect(
                f"{self.base}?token={uuid.uuid4()}",
                headers={"Cookie": self.cookie, "Origin": self.base},
                auth={
                    "event": self._event(HYDRATE, {"hashes": self.schema["hashes"]}),
                    "state_schema": self.schema["schema"],
                },
                transports=["websocket"],
                socketio_path="/_event",
                namespaces=[NAMESPACE],
                wait_timeout=TIMEOUT,
            )
            await asyncio.wait_for(self.hydrated.wait(), TIMEOUT)

    async def emit(self, name: str, payload: dict) -> None:
        await self.sio.emit("event", self._event(name, payload), namespace=NAMESPACE)

    async def converse(self, http: aiohttp.ClientSession, prompt: str, expected: str) -> dict:
        """Send `prompt` and follow the reply's SSE stream; when each token arrived.

        The reply is ok when it completed with exactly `expected`.
        """
        self.reply_seen.clear()
        sent = time.monotonic()
        await self.emit(f"{CHAT}.send", {"form_data": {COMPOSER_ID: prompt}})
        # A send that failed on the server never names a reply: it counts as lost.
        await asyncio.wait_for(self.reply_seen.wait(), TIMEOUT / 3)
        named = time.monotonic()  # the send handler has stored the turn and started the job
        arrivals, text, status, event = [], "", "", ""
        url = f"{self.base}/api/messages/{self.reply_id}/stream"
        async with http.get(url, headers={"Cookie": self.cookie}) as response:
            async for raw in response.content:
                line = raw.decode().rstrip("\r\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "done":
                    status = json.loads(line[6:])["status"]
                    break
                elif line.startswith("data: "):
                    piece = json.loads(line[6:])["t"]
                    arrivals.append((time.monotonic(), piece.count("word")))
                    text += piece
        await self.emit(f"{CHAT}.reply_finished", {"_status": status})
        ok = status == "complete" and text == expected
        return dict(id=self.reply_id, sent=sent, named=named, arrivals=arrivals, ok=ok)

    async def close(self) -> None:
        await self.sio.disconnect()


def tabs_for(base: str, cookies: list[str], count: int) -> list[Tab]:
    """`count` tabs spread over the accounts, sharing one connect gate."""
    schema, gate = _schema(), asyncio.Semaphore(CONNECT_AT_ONCE)
    return [Tab(base, cookies[i % len(cookies)], schema, gate) for i in range(count)]
