"""One end of a terminal session on the relay's WebSocket: dial, say hello, pump frames, reconnect on any drop.

The node agent and the client each carry an identical copy of this file (``gpuaas_agent.terminal.link``,
``gpuaas_client.terminal.link``; a test keeps them identical). What differs between the two ends is given to
:class:`Link`: how to dial (the agent with its node credential, the client with a fresh ticket each time),
what to do with the bytes that arrive and with the other frames (``resize``, ``peer``, ``close``, ``error``).

:meth:`Link.run` (in its own thread) dials, sends ``hello`` and everything unacknowledged, then reads frames
until the connection drops, and dials again with backoff; it pings every ``ping_seconds`` (the service drops
a connection idle for 10 minutes) and reconnects before ``max_age_seconds`` (the service's 2-hour limit).
It returns once the session is closed (a ``close`` frame either way, :meth:`Link.close`, dialing refused
``max_refusals`` times in a row, or failing ``max_failures`` times in a row) or stopped (:meth:`Link.stop`,
which leaves the session open).
:meth:`Link.write` sends bytes from any thread, blocking while the stream's buffer is full.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Protocol

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from .stream import MAX_FRAME_CHARS, Frame, FrameError, Stream

logger = logging.getLogger(__name__)

PING_SECONDS = 300.0
MAX_AGE_SECONDS = 110 * 60.0  # under the service's 2-hour connection limit
TICK_SECONDS = 1.0
MAX_REFUSALS = 3
LINGER_SECONDS = 2.0
STREAM_TYPES = frozenset({"data", "ack", "hello"})


class Connection(Protocol):
    """What :class:`Link` uses of a ``websockets.sync`` connection."""

    def send(self, message: str) -> None: ...

    def recv(self, timeout: float | None = None) -> str | bytes: ...

    def close(self) -> None: ...

    def __enter__(self) -> Any: ...

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None, /
    ) -> Any: ...


class Refused(Exception):
    """Dialing was answered, and refused (a 4xx handshake): the session is closed or not ours."""


class Link:
    def __init__(
        self,
        dial: Callable[[], Connection],
        on_data: Callable[[bytes], None],
        on_frame: Callable[[Frame], None] = lambda frame: None,
        *,
        stream: Stream | None = None,
        ping_seconds: float = PING_SECONDS,
        max_age_seconds: float = MAX_AGE_SECONDS,
        tick_seconds: float = TICK_SECONDS,
        max_refusals: int = MAX_REFUSALS,
        max_failures: int | None = None,
        backoff: tuple[float, float] = (0.2, 10.0),
        on_connect: Callable[[], None] = lambda: None,
        rng: random.Random | None = None,
    ) -> None:
        self.dial = dial
        self.on_data = on_data
        self.on_frame = on_frame
        self.on_connect = on_connect
        self.stream = stream or Stream()
        self.ping_seconds = ping_seconds
        self.max_age_seconds = max_age_seconds
        self.tick_seconds = tick_seconds
        self.max_refusals = max_refusals
        self.max_failures = max_failures
        self.backoff = backoff
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self.closed = threading.Event()  # the session is over (a close frame, or refused)
        self.stopped = threading.Event()  # this end stops (closed, or stopped leaving the session open)
        self.close_reason: str | None = None
        self.connects = 0
        self.peer_frame_at = 0.0  # time.monotonic() of the last stream frame from the peer (it is there)
        self._lock = threading.Condition()
        self._conn: Connection | None = None
        self._linger_until: float | None = None

    # From any thread -------------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._conn is not None

    def write(self, data: bytes) -> bool:
        """Send ``data`` (kept until acknowledged; sent now when connected). Blocks while the unacknowledged
        bytes are over the bound; False once this end has stopped."""
        with self._lock:
            while not self.stream.writable and not self.stopped.is_set():
                self._lock.wait(0.5)
            if self.stopped.is_set():
                return False
            frames = self.stream.send(data)
            self._send_locked(frames)
            return True

    def send_frame(self, frame: Frame) -> None:
        """A frame outside the stream (``resize``), sent now if connected, else not at all."""
        with self._lock:
            self._send_locked([frame])

    def close(self, reason: str) -> None:
        """End the session: tell the peer (through the relay) and stop. The connection stays up for up to
        ``LINGER_SECONDS`` so that the relay reads the ``close`` before it sees the connection go (it then
        closes it itself); closing at once would race the relay's ``$disconnect`` against it."""
        with self._lock:
            self._send_locked([{"type": "close", "reason": reason}])
            self._linger_until = time.monotonic() + LINGER_SECONDS if self._conn is not None else None
            self._finish(reason, drop=self._linger_until is None)

    def stop(self) -> None:
        """Stop this end without ending the session (the peer may resume it with another end)."""
        with self._lock:
            self.stopped.set()
            self._drop_locked()
            self._lock.notify_all()

    def drop(self) -> None:
        """Close the current connection (the next one is dialed at once), as a network drop would."""
        with self._lock:
            self._drop_locked()

    # The link's own thread --------------------------------------------------------------------------------

    def run(self) -> None:
        refusals = 0
        failures = 0
        while not self.stopped.is_set():
            try:
                conn = self.dial()
            except Refused as exc:
                refusals += 1
                logger.warning("terminal_dial_refused", extra={"fields": {"error": str(exc), "refusals": refusals}})
                if refusals >= self.max_refusals:
                    self._give_up("refused")
                    return
                self._pause(failures)
                failures += 1
                continue
            except (OSError, InvalidHandshake, TimeoutError) as exc:
                if isinstance(exc, InvalidStatus) and 400 <= exc.response.status_code < 500:
                    refusals += 1
                    if refusals >= self.max_refusals:
                        self._give_up("refused")
                        return
                logger.warning("terminal_dial_failed", extra={"fields": {"error": str(exc)}})
                failures += 1
                if self.max_failures is not None and failures >= self.max_failures:
                    self._give_up("unreachable")
                    return
                self._pause(failures - 1)
                continue
            refusals = 0
            failures = 0
            with conn:  # closed on the way out, however it ends
                self._serve(conn)

    def _give_up(self, reason: str) -> None:
        with self._lock:
            self._finish(reason)

    def _lingering(self) -> bool:
        return self._linger_until is not None and time.monotonic() < self._linger_until

    def _pause(self, failures: int) -> None:
        low, high = self.backoff
        self.stopped.wait(self.rng.uniform(0, min(high, low * 2 ** min(failures, 10))) + low)

    def _serve(self, conn: Connection) -> None:
        with self._lock:
            if self.stopped.is_set():
                _quietly_close(conn)
                return
            self._conn = conn
            self.connects += 1
            self._send_locked([self.stream.hello(), *self.stream.unacked()])
        self.on_connect()
        opened = last_ping = last_tick = time.monotonic()
        while self._conn is conn and (not self.stopped.is_set() or self._lingering()):
            now = time.monotonic()
            if now - opened >= self.max_age_seconds:
                break  # reconnect before the service's connection limit
            try:
                if now - last_ping >= self.ping_seconds:
                    with self._lock:
                        self._send_locked([{"type": "ping"}])
                    last_ping = now
                if now - last_tick >= self.tick_seconds:
                    with self._lock:
                        self._send_locked(self.stream.tick())
                    last_tick = now
                message = conn.recv(timeout=self.tick_seconds)
            except TimeoutError:
                continue
            except (ConnectionClosed, OSError):
                break
            if not self.stopped.is_set():
                self._handle(message)
        with self._lock:
            if self._conn is conn:
                self._conn = None
        _quietly_close(conn)

    def _handle(self, message: str | bytes) -> None:
        try:
            frame = json.loads(message)
            if not isinstance(frame, dict):
                raise ValueError("a frame is a JSON object")
        except ValueError as exc:
            logger.warning("terminal_frame_unreadable", extra={"fields": {"error": str(exc)}})
            return
        kind = frame.get("type")
        if kind in STREAM_TYPES:
            self.peer_frame_at = time.monotonic()
            with self._lock:
                try:
                    received = self.stream.receive(frame)
                except FrameError as exc:
                    logger.warning("terminal_frame_refused", extra={"fields": {"error": str(exc)}})
                    return
                self._send_locked(received.replies)
                self._lock.notify_all()  # an ack may have made room
            if received.data:
                self.on_data(received.data)
            return
        if kind == "peer" and frame.get("state") == "connected":
            with self._lock:  # the other side came (back): tell it where this side is
                self._send_locked([self.stream.hello()])
        if kind == "close":
            self.on_frame(frame)
            with self._lock:
                self._finish(str(frame.get("reason") or "closed"))
            return
        self.on_frame(frame)

    # Under the lock ---------------------------------------------------------------------------------------

    def _send_locked(self, frames: list[Frame]) -> None:
        conn = self._conn
        if conn is None:
            return
        try:
            for frame in frames:
                text = json.dumps(frame, separators=(",", ":"))
                if len(text) > MAX_FRAME_CHARS:
                    raise FrameError(f"a {frame.get('type')} frame of {len(text)} characters")
                conn.send(text)
        except (ConnectionClosed, OSError):
            self._drop_locked()  # kept frames go again on the next connection

    def _drop_locked(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            _quietly_close(conn)

    def _finish(self, reason: str, *, drop: bool = True) -> None:
        if self.close_reason is None:
            self.close_reason = reason
        self.closed.set()
        self.stopped.set()
        if drop:
            self._drop_locked()
        self._lock.notify_all()


def _quietly_close(conn: Connection) -> None:
    try:
        conn.close()
    except Exception as exc:  # closing a broken socket: nothing more to do
        logger.debug("terminal_close_failed", extra={"fields": {"error": str(exc)}})
