"""A load balancer for the two-host test: one public port, each connection sent to one backend.

It forwards raw TCP, so HTTP, Server-Sent Events and websockets pass
unchanged. The test picks the backend that new connections go to (`send_to`),
as a load balancer would after a failover or for a new client; connections
already open stay where they are, as they do behind a real one.
"""

import select
import socket
import socketserver
import threading
from collections import Counter

_BLOCK = 64 * 1024


class _Pipe(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        balancer: Balancer = self.server.balancer
        port = balancer.target
        try:
            upstream = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            return  # the backend is down: the client sees the connection close
        upstream.settimeout(None)
        balancer.connections[port] += 1
        ends = [self.request, upstream]
        try:
            while True:
                readable, _, _ = select.select(ends, [], [], 1.0)
                for end in readable:
                    data = end.recv(_BLOCK)
                    if not data:
                        return
                    (upstream if end is self.request else self.request).sendall(data)
        except OSError:
            return
        finally:
            upstream.close()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class Balancer:
    """A TCP forwarder on a free loopback port."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Pipe)
        self._server.balancer = self
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.target = 0
        # Connections forwarded so far, per backend port.
        self.connections: Counter[int] = Counter()

    def send_to(self, port: int) -> None:
        """Send new connections to the backend listening on `port`."""
        self.target = port

    def start(self) -> "Balancer":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
