"""The agent's terminal sessions: ``open_terminal`` starts one (in its own threads), release ends an allocation's.

A session is a :class:`~gpuaas_agent.terminal.link.Link` to the relay (dialed with
``?session=<id>&role=agent`` and the node credential) joined to a :class:`~gpuaas_agent.terminal.shell.Shell`
or :class:`~gpuaas_agent.terminal.shell.SshPipe`: one thread pumps the relay, one reads the host side. It
ends when the shell exits or the socket closes (``close`` is sent), when the peer sends ``close``, when the
relay refuses it, or when its allocation is released (the shell and its tmux session are killed). Stopping
the agent only detaches: the session stays open on the relay and tmux keeps the shell.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from gpuaas_agent.executors.base import AllocationDirs
from gpuaas_agent.logs import log
from gpuaas_agent.terminal.link import Connection, Link, Refused
from gpuaas_agent.terminal.shell import Endpoint, Sandbox, SessionError, Shell, SshPipe, kill_allocation_tmux
from gpuaas_agent.terminal.stream import Frame

logger = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 128 * 1024  # the service's message limit


def agent_url(url: str, session_id: str) -> str:
    """``url`` with ``?session=<id>&role=agent`` (after any query it already has)."""
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode({"session": session_id, "role": "agent"})) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


class Session:
    def __init__(
        self,
        payload: dict[str, Any],
        endpoint: Endpoint,
        dial: Callable[[], Connection],
        on_end: Callable[[Session], None],
        **link_options: Any,
    ) -> None:
        self.allocation_id: str = payload["allocation_id"]
        self.session_id: str = payload["session_id"]
        self.kind: str = payload["kind"]
        self.endpoint = endpoint
        self.on_end = on_end
        self.link = Link(dial, endpoint.write, self._on_frame, **link_options)
        self._ended = threading.Event()
        self._threads = [
            threading.Thread(target=self._pump, name=f"terminal-{self.session_id}", daemon=True),
            threading.Thread(target=self._read, name=f"terminal-{self.session_id}-host", daemon=True),
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def _on_frame(self, frame: Frame) -> None:
        if frame.get("type") == "resize":
            cols, rows = frame.get("cols"), frame.get("rows")
            if type(cols) is int and type(rows) is int and 1 <= cols <= 1000 and 1 <= rows <= 1000:
                self.endpoint.resize(cols, rows)
        elif frame.get("type") == "error":
            log(logger, "terminal_relay_error", logging.WARNING, session_id=self.session_id, code=frame.get("code"),
                message=frame.get("message"))  # fmt: skip

    def _pump(self) -> None:
        self.link.run()  # returns when the session is closed or this end stopped
        if self.link.closed.is_set():
            self._end(kill=True, reason=self.link.close_reason)
        else:
            self._end(kill=False, reason="agent stopping")

    def _read(self) -> None:
        while not self.link.stopped.is_set():
            data = self.endpoint.read()
            if not data:
                if not self.link.stopped.is_set():
                    self.link.close("exited" if self.kind == "shell" else "connection closed")
                    self._end(kill=True, reason="exited")
                return
            if not self.link.write(data):
                return

    def _end(self, *, kill: bool, reason: str | None) -> None:
        if self._ended.is_set():
            return
        self._ended.set()
        if not self.link.closed.is_set():  # a close lingers until the relay has read it
            self.link.stop()
        with contextlib.suppress(OSError):
            if kill:
                self.endpoint.kill()
            else:
                self.endpoint.close()
        log(logger, "terminal_closed" if kill else "terminal_detached", session_id=self.session_id,
            allocation_id=self.allocation_id, reason=reason)  # fmt: skip
        self.on_end(self)

    def close(self, reason: str) -> None:
        """End the session from this side (the allocation is released)."""
        self.link.close(reason)
        self._end(kill=True, reason=reason)

    def detach(self) -> None:
        self._end(kill=False, reason="agent stopping")

    def join(self, timeout: float = 10) -> None:
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout)


class TerminalManager:
    """Every open terminal session on this node, by session id."""

    def __init__(
        self,
        dirs: AllocationDirs,
        token: Callable[[], str],
        *,
        connect_timeout: float = 10.0,
        tmux: bool | None = None,
        shells: bool = True,
        **link_options: Any,
    ) -> None:
        self.sandbox = Sandbox(dirs)
        # Shells run on the host, in the sandbox's directories: only where the allocation is that sandbox.
        # Under the docker executor a host shell would be outside the container: refused (ssh works).
        self.shells = shells
        self.token = token
        self.connect_timeout = connect_timeout
        self.tmux = tmux
        self.link_options = link_options
        self.sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, payload: dict[str, Any]) -> Session | None:
        """Start the session ``payload`` names (an ``open_terminal`` command's); one already open is kept
        (the relay asks again when it has no agent connection: the running session reconnects by itself)."""
        session_id = payload["session_id"]
        with self._lock:
            if session_id in self.sessions:
                log(logger, "terminal_already_open", session_id=session_id)
                return self.sessions[session_id]
        try:
            endpoint = self._endpoint(payload)
        except SessionError as exc:
            log(logger, "terminal_refused", logging.WARNING, session_id=session_id, error=str(exc))
            self._refuse(payload, str(exc))
            return None
        session = Session(payload, endpoint, self._dialer(payload), self._forget, **self.link_options)
        with self._lock:
            self.sessions[session_id] = session
        session.start()
        log(logger, "terminal_opened", session_id=session_id, allocation_id=payload["allocation_id"],
            kind=payload["kind"])  # fmt: skip
        return session

    def _endpoint(self, payload: dict[str, Any]) -> Endpoint:
        if payload["kind"] == "ssh":
            return SshPipe(self.sandbox, payload["allocation_id"])
        if not self.shells:
            raise SessionError("shell sessions are not offered by this node's executor; use ssh")
        return Shell(self.sandbox, payload["allocation_id"], payload["session_id"], payload["cols"],
                     payload["rows"], tmux=self.tmux)  # fmt: skip

    def _dialer(self, payload: dict[str, Any]) -> Callable[[], Connection]:
        url = agent_url(payload["url"], payload["session_id"])

        def dial() -> Connection:
            try:
                return connect(
                    url,
                    additional_headers={"Authorization": f"Bearer {self.token()}"},
                    open_timeout=self.connect_timeout,
                    close_timeout=2,
                    max_size=MAX_MESSAGE_BYTES,
                    compression=None,
                )
            except InvalidStatus as exc:
                if 400 <= exc.response.status_code < 500:
                    raise Refused(f"HTTP {exc.response.status_code}") from exc
                raise

        return dial

    def _refuse(self, payload: dict[str, Any], reason: str) -> None:
        """Tell the client the session cannot start here: dial once, say close."""
        link = Link(
            self._dialer(payload), lambda data: None, **{**self.link_options, "max_refusals": 1, "max_failures": 3}
        )
        link.on_connect = lambda: link.close(reason)
        threading.Thread(target=link.run, name=f"terminal-{payload['session_id']}-refuse", daemon=True).start()

    def _forget(self, session: Session) -> None:
        with self._lock:
            if self.sessions.get(session.session_id) is session:
                del self.sessions[session.session_id]

    def close_allocation(self, allocation_id: str, reason: str = "allocation released") -> int:
        """End every session of the allocation and kill its shells (its tmux server too); how many were open."""
        with self._lock:
            sessions = [s for s in self.sessions.values() if s.allocation_id == allocation_id]
        for session in sessions:
            session.close(reason)
        for session in sessions:
            session.join(5)
        kill_allocation_tmux(allocation_id)  # shells left from before an agent restart too
        return len(sessions)

    def stop(self) -> None:
        """The agent stops: detach from every session (tmux keeps the shells; the relay keeps the sessions)."""
        with self._lock:
            sessions = list(self.sessions.values())
        for session in sessions:
            session.detach()
        for session in sessions:
            session.join(5)
