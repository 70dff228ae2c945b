"""A small pairing relay for the terminal's unit tests: doc/terminal.md's relay, in one process.

It pairs a client connection (``?ticket=...``, each ticket once) with an agent connection
(``?session=...&role=agent`` with the expected ``Authorization: Bearer``), forwards ``hello``, ``data``,
``ack``, ``resize`` and ``close`` to the other side, answers ``ping`` with nothing, tells each side when the
other comes or goes (``peer``), refuses a message over 32 KB with an ``error`` frame (the session goes on),
and on ``close`` ends the session and closes both sides' connections. ``on_client`` is called when a client
connects and the session has no agent (the real relay sends ``open_terminal`` to the node's queue then). It
keeps no stream state.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

FRAME_LIMIT = 32 * 1024
FORWARDED = {"hello", "data", "ack", "resize", "close"}


@dataclass
class RelaySession:
    session_id: str
    open: bool = True
    client: ServerConnection | None = None
    agent: ServerConnection | None = None
    frames: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (from side, frame), all forwarded


class PairingRelay:
    def __init__(
        self,
        token: str = "node-token",  # noqa: S107 - a test credential
        on_client: Callable[[str], None] | None = None,
    ) -> None:
        self.token = token
        self.on_client = on_client
        self.sessions: dict[str, RelaySession] = {}
        self.tickets: dict[str, str] = {}
        self.refused: list[str] = []
        self.pings: dict[str, int] = {"client": 0, "agent": 0}
        self.lock = threading.RLock()
        self.server: Server | None = None
        self.thread: threading.Thread | None = None

    # Set-up ------------------------------------------------------------------------------------------

    def start(self) -> PairingRelay:
        self.server = serve(self._handle, "127.0.0.1", 0, process_request=self._admit, compression=None,
                            max_size=None, ping_interval=None)  # fmt: skip
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        assert self.server is not None
        self.server.shutdown()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}/local"

    def new_session(self) -> str:
        session_id = "trm_" + "".join(secrets.choice("0123456789abcdefghjkmnpqrstvwxyz") for _ in range(26))
        with self.lock:
            self.sessions[session_id] = RelaySession(session_id)
        return session_id

    def ticket(self, session_id: str) -> str:
        ticket = "tkt_" + secrets.token_hex(16)
        with self.lock:
            self.tickets[ticket] = session_id
        return ticket

    def close_session(self, session_id: str, reason: str) -> None:
        """What the control plane does when the allocation leaves active: close both sides."""
        with self.lock:
            session = self.sessions[session_id]
            session.open = False
            sides = [c for c in (session.client, session.agent) if c is not None]
        for conn in sides:
            self._send(conn, {"type": "close", "reason": reason})
            conn.close()

    def drop(self, session_id: str, side: str) -> None:
        """Close one side's connection, as a network drop (or DeleteConnection) would."""
        with self.lock:
            conn = getattr(self.sessions[session_id], side)
        if conn is not None:
            conn.close()

    def connected(self, session_id: str, side: str) -> bool:
        with self.lock:
            return getattr(self.sessions[session_id], side) is not None

    # The relay ---------------------------------------------------------------------------------------

    def _admit(self, connection: ServerConnection, request: Request) -> Response | None:
        query = parse_qs(urlsplit(request.path).query)
        with self.lock:
            if "ticket" in query:
                session_id = self.tickets.pop(query["ticket"][0], None)
                side = "client"
            elif query.get("role") == ["agent"] and request.headers.get("Authorization") == f"Bearer {self.token}":
                session_id = query.get("session", [""])[0]
                side = "agent"
            else:
                session_id, side = None, ""
            session = self.sessions.get(session_id or "")
            if session is None or not session.open:
                self.refused.append(request.path)
                return connection.respond(HTTPStatus.FORBIDDEN, "refused\n")
        connection.gpuaas = (session_id, side)  # type: ignore[attr-defined]
        return None

    def _send(self, conn: ServerConnection | None, frame: dict[str, Any]) -> None:
        if conn is None:
            return
        with contextlib.suppress(ConnectionClosed):
            conn.send(json.dumps(frame))

    def _handle(self, conn: ServerConnection) -> None:
        session_id, side = conn.gpuaas  # type: ignore[attr-defined]
        other = "agent" if side == "client" else "client"
        ask_agent = False
        with self.lock:
            session = self.sessions[session_id]
            old = getattr(session, side)
            setattr(session, side, conn)
            peer = getattr(session, other)
            ask_agent = side == "client" and peer is None
        if old is not None:
            old.close()
        self._send(peer, {"type": "peer", "state": "connected"})
        if peer is not None:
            self._send(conn, {"type": "peer", "state": "connected"})
        if ask_agent and self.on_client is not None:
            self.on_client(session_id)
        try:
            for message in conn:
                if len(message) > FRAME_LIMIT:
                    self._send(conn, {"type": "error", "code": "FRAME_TOO_LARGE", "message": "over 32 KB"})
                    continue
                frame = json.loads(message)
                if frame.get("type") == "ping":
                    with self.lock:
                        self.pings[side] += 1
                if frame.get("type") not in FORWARDED:
                    continue
                with self.lock:
                    peer = getattr(session, other)
                    session.frames.append((side, frame))
                    if frame["type"] == "close":
                        session.open = False
                self._send(peer, frame)
                if frame["type"] == "close":  # as the relay does: the session is over, both sides go
                    for gone in (peer, conn):
                        if gone is not None:
                            gone.close()
        except ConnectionClosed:
            pass
        finally:
            with self.lock:
                if getattr(session, side) is conn:
                    setattr(session, side, None)
                    peer = getattr(session, other)
                else:
                    peer = None
            self._send(peer, {"type": "peer", "state": "disconnected"})
