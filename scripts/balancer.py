"""A small TCP load balancer in front of several Rasa servers (`make run-scaled`).

    python scripts/balancer.py --listen 127.0.0.1:5005 --backend 127.0.0.1:5105 --backend 127.0.0.1:5106

It stands in for what a deployment puts there (nginx, HAProxy, a Kubernetes Service/Ingress) and
does what Rasa's horizontal scaling needs of it:

- plain HTTP (the REST channel, webhooks, Rasa's API) goes round robin, connection by connection;
  the tracker store (PostgreSQL) and the lock store (Redis) make any server right for any message;
- socket.io (the web widget) sticks to one server by client address, since a socket.io session
  lives in one server's memory (messages between servers go through Redis, see
  connectors/rasa_channels.py);
- a server that refuses connections is skipped and left alone for a few seconds, so killing one
  loses no request that can be sent to the other.

It reads only the first request line of a connection to choose; bytes are passed through
unchanged, WebSocket upgrades included.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import logging
import signal
import sys
import time

log = logging.getLogger("balancer")
FIRST_LINE_LIMIT = 8192
CONNECT_TIMEOUT_S = 3.0
DOWN_FOR_S = 5.0


def parse_address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host, int(port)


class Backends:
    """Round robin over the servers, skipping any that refused a connection a moment ago."""

    def __init__(self, addresses: list[tuple[str, int]], clock=time.monotonic):
        self.addresses = addresses
        self.down_until = {address: 0.0 for address in addresses}
        self.clock = clock
        self._turn = itertools.cycle(range(len(addresses)))

    def order(self, sticky_key: str | None) -> list[tuple[str, int]]:
        """Servers to try, best first: the sticky one (or the next in turn), then the others."""
        n = len(self.addresses)
        if sticky_key is not None:
            first = int(hashlib.sha1(sticky_key.encode()).hexdigest(), 16) % n
        else:
            first = next(self._turn)
        ordered = [self.addresses[(first + i) % n] for i in range(n)]
        now = self.clock()
        return [a for a in ordered if self.down_until[a] <= now] + [a for a in ordered if self.down_until[a] > now]

    def mark_down(self, address: tuple[str, int]) -> None:
        self.down_until[address] = self.clock() + DOWN_FOR_S


def is_socketio(first_line: bytes) -> bool:
    parts = first_line.split(b" ")
    return len(parts) >= 2 and parts[1].startswith(b"/socket.io")


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


class Balancer:
    def __init__(self, backends: Backends):
        self.backends = backends

    async def handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            first = await asyncio.wait_for(client_reader.readuntil(b"\n"), timeout=30)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ConnectionError):
            client_writer.close()
            return
        peer = client_writer.get_extra_info("peername") or ("", 0)
        sticky = peer[0] if is_socketio(first) else None
        for address in self.backends.order(sticky):
            try:
                server_reader, server_writer = await asyncio.wait_for(asyncio.open_connection(*address),
                                                                      CONNECT_TIMEOUT_S)
            except (OSError, asyncio.TimeoutError):
                log.warning("server %s:%s refused a connection; trying another", *address)
                self.backends.mark_down(address)
                continue
            server_writer.write(first)
            await asyncio.gather(_pipe(client_reader, server_writer), _pipe(server_reader, client_writer))
            return
        client_writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                            b"Connection: close\r\nContent-Length: 36\r\n\r\n"
                            b'{"error": "no Rasa server answered"}')
        try:
            await client_writer.drain()
        finally:
            client_writer.close()


async def serve(listen: tuple[str, int], backends: list[tuple[str, int]]) -> None:
    balancer = Balancer(Backends(backends))
    server = await asyncio.start_server(balancer.handle, *listen, limit=FIRST_LINE_LIMIT, backlog=1024)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    log.warning("balancing %s:%s over %s", *listen, ", ".join(f"{h}:{p}" for h, p in backends))
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", type=parse_address, required=True)
    parser.add_argument("--backend", type=parse_address, action="append", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s balancer %(levelname)s %(message)s")
    asyncio.run(serve(args.listen, args.backend))
    return 0


if __name__ == "__main__":
    sys.exit(main())
