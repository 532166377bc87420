"""What one open websocket costs Granian itself, without Reflex or this app (issue 9).

Serves a minimal ASGI echo app with the Granian that Reflex runs in
production, opens websockets in batches and reports the growth of the
server's memory (PSS, summed over its processes) per connection. Compare it
with the per-tab figure of `load_bench.py`: what is left is Reflex's and the
app's own share.

    .venv/bin/python bench/websocket_memory.py [--batch 50] [--batches 2]
"""

import argparse
import asyncio
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import aiohttp
import psutil

ECHO_APP = textwrap.dedent(
    """
    async def app(scope, receive, send):
        if scope["type"] == "websocket":
            await receive()
            await send({"type": "websocket.accept"})
            while (message := await receive())["type"] != "websocket.disconnect":
                await send({"type": "websocket.send", "text": message.get("text", "")})
        elif scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
    """
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _pss(pid: int) -> int:
    root = psutil.Process(pid)
    return sum(p.memory_full_info().pss for p in [root, *root.children(recursive=True)])


async def _measure(url: str, pid: int, batch: int, batches: int) -> list[float]:
    per_socket, sockets = [], []
    async with aiohttp.ClientSession() as http:
        for _ in range(batches):
            before = _pss(pid)
            for _ in range(batch):
                connection = await http.ws_connect(url)
                await connection.send_str("x" * 100)  # one message each way, as a hydrate
                await connection.receive()
                sockets.append(connection)
            await asyncio.sleep(2)  # let buffers settle
            per_socket.append((_pss(pid) - before) / batch / 1024)
        for connection in sockets:
            await connection.close()
    return per_socket


def main() -> None:
    """Start Granian on the echo app, measure, print KiB per open websocket."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--batches", type=int, default=2)
    args = parser.parse_args()
    folder, port = Path(tempfile.mkdtemp(prefix="nomask-ws-")), _free_port()
    (folder / "echo.py").write_text(ECHO_APP)
    granian = Path(sys.executable).with_name("granian")
    command = [str(granian), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", "1", "echo:app"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)
        url = f"http://127.0.0.1:{port}/ws"
        results = asyncio.run(_measure(url, server.pid, args.batch, args.batches))
    finally:
        server.terminate()
        server.wait(timeout=10)
    for index, kib in enumerate(results, 1):
        print(f"batch {index}: {args.batch} websockets, {kib:.1f} KiB of server PSS each")


if __name__ == "__main__":
    main()
