"""A loopback HTTP proxy that injects network faults between a client and a server.

It forwards HTTP/1.1 requests one by one (keep-alive connections, Content-Length or chunked
bodies) and, per request, does what its current mode says:

``pass``     forward the request and the answer.
``stopped``  the port refuses connections (the listening socket is closed) and open ones are
             reset, as when the server's process is gone; leaving the mode listens again.
``slow``     wait a while (``slow_delay`` seconds, drawn per request) before forwarding, and again
             before answering.
``500``      answer ``500 Internal Server Error`` itself; the server never sees the request.
``close``    accept, then close the connection without an answer: after the request's head (the
             body not read), after the whole request (not forwarded), or after the server answered
             (the server applied it, the client never hears so: the case that tests exactly-once).

The proxy listens on a fixed port below the ephemeral range, so that no outgoing connection of the
machine can take the port while it is ``stopped``. It runs an asyncio loop in a thread of its own;
``set_mode()`` may be called from any thread. ``counts`` holds how many requests met each fault.
"""

from __future__ import annotations

import asyncio
import collections
import random
import socket
import threading
from typing import Any

__all__ = ["FaultProxy", "MODES", "FAULTS"]

MODES = ("pass", "stopped", "slow", "500", "close")
FAULTS = MODES[1:]
_PORTS = range(20000, 32000)  # below /proc/sys/net/ipv4/ip_local_port_range
_ANSWER_500 = (
    b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\nfault injected"
)


def _fixed_port(rng: random.Random) -> int:
    for _ in range(200):
        port = rng.choice(_PORTS)
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for the fault proxy")


class _Message:
    """One HTTP message read off a stream: its head and its body as they came (framing kept)."""

    def __init__(self, head: bytes, body: bytes) -> None:
        self.head = head
        self.body = body

    @property
    def raw(self) -> bytes:
        return self.head + self.body


def _header(head: bytes, name: bytes) -> bytes | None:
    for line in head.split(b"\r\n")[1:]:
        key, sep, value = line.partition(b":")
        if sep and key.strip().lower() == name:
            return value.strip()
    return None


async def _read_head(reader: asyncio.StreamReader) -> bytes | None:
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None  # the peer closed the connection between messages


async def _read_body(reader: asyncio.StreamReader, head: bytes, *, response: bool) -> bytes:
    if response and head.split(b" ", 2)[1:2] in ([b"204"], [b"304"]):
        return b""
    if (_header(head, b"transfer-encoding") or b"").lower() == b"chunked":
        body = b""
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            body += size_line + await reader.readexactly(size + 2)
            if size == 0:
                return body
    length = _header(head, b"content-length")
    if length is not None:
        return await reader.readexactly(int(length))
    return await reader.read() if response else b""  # an answer without length ends with its connection


class FaultProxy:
    def __init__(
        self, upstream_port: int, rng: random.Random, *, slow_delay: tuple[float, float] = (0.05, 1.0)
    ) -> None:
        self.upstream_port = upstream_port
        self.rng = rng
        self.slow_delay = slow_delay
        self.port = _fixed_port(rng)
        self.url = f"http://127.0.0.1:{self.port}"
        self.mode = "pass"
        self.counts: collections.Counter[str] = collections.Counter()
        self.errors: list[str] = []  # what went wrong in the proxy itself (a bug of the test)
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.AbstractServer | None = None
        self._clients: set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy", daemon=True)

    # -- control (any thread) ------------------------------------------------------------
    def start(self) -> FaultProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def set_mode(self, mode: str) -> None:
        assert mode in MODES, mode
        self._call(self._switch(mode))

    def stop(self) -> None:
        self._call(self._switch("stopped"))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    # -- the loop ------------------------------------------------------------
    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)

    async def _switch(self, mode: str) -> None:
        if mode == "stopped" and self._server is not None:
            self._server.close()
            self._server = None
            for writer in list(self._clients):
                writer.transport.abort()  # reset, as a dead server's kernel would
        elif mode != "stopped" and self._server is None:
            await self._listen()
        self.mode = mode

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "stopped":  # accepted in the instant before the listener closed
            writer.transport.abort()
            return
        self._clients.add(writer)
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while True:
                head = await _read_head(reader)
                if head is None:
                    return
                mode = self.mode
                self.counts[mode] += 1
                if mode == "close" and self.rng.random() < 1 / 3:
                    return  # after the head: the client may still be sending its body
                body = await _read_body(reader, head, response=False)
                if mode == "500":
                    writer.write(_ANSWER_500)
                    await writer.drain()
                    continue
                if mode == "close" and self.rng.random() < 1 / 2:
                    return  # the whole request read, nothing forwarded
                if mode == "slow":
                    await asyncio.sleep(self.rng.uniform(*self.slow_delay))
                if upstream is None:
                    upstream = await asyncio.open_connection("127.0.0.1", self.upstream_port)
                upstream[1].write(head + body)
                await upstream[1].drain()
                answer_head = await _read_head(upstream[0])
                if answer_head is None:
                    return
                answer = _Message(answer_head, await _read_body(upstream[0], answer_head, response=True))
                if mode == "close":
                    return  # the server applied it; the answer is lost
                if mode == "slow":
                    await asyncio.sleep(self.rng.uniform(*self.slow_delay))
                if self.mode == "stopped":
                    return
                writer.write(answer.raw)
                await writer.drain()
                if _header(answer_head, b"content-length") is None and b"chunked" not in answer_head.lower():
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        except Exception as error:  # a bug of the proxy: the test reports it
            self.errors.append(f"{type(error).__name__}: {error}")
        finally:
            self._clients.discard(writer)
            writer.transport.abort()
            if upstream is not None:
                upstream[1].transport.abort()
