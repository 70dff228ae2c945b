"""The client's end of a terminal session: tickets from the API, the relay's WebSocket, reconnects.

>>> session = RelaySession(client, "alc_...", kind="shell", on_data=sys.stdout.buffer.write)
>>> session.start(); session.write(b"nvidia-smi\\n"); session.wait()

Every connection (the first and each reconnect) takes a fresh ticket: the first opens the session
(``kind``, ``cols``, ``rows``), the later ones name its ``session_id``. A relay that refuses the ticket, or an
API that says the allocation is gone or not active, ends the session; the network or the API being away for a
while only delays it. When the agent's side goes away and does not come back within ``peer_wait`` seconds,
this end reconnects, and so the relay asks the node to open its side again (an agent that restarted attaches
to the same tmux session).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit, urlunsplit

from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from gpuaas_client.sdk import ApiError, Client, TerminalTicket, TransportError
from gpuaas_client.terminal.link import Connection, Link, Refused
from gpuaas_client.terminal.stream import Frame

MAX_MESSAGE_BYTES = 128 * 1024  # the service's message limit
PEER_WAIT_SECONDS = 5.0


def ticket_url(ticket: TerminalTicket) -> str:
    parts = urlsplit(ticket.url)
    query = "&".join(q for q in (parts.query, urlencode({"ticket": ticket.ticket})) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


class RelaySession:
    def __init__(
        self,
        client: Client,
        allocation_id: str,
        *,
        kind: str = "shell",
        cols: int = 80,
        rows: int = 24,
        on_data: Callable[[bytes], object],
        on_frame: Callable[[Frame], object] = lambda frame: None,
        on_end: Callable[[], object] = lambda: None,
        session_id: str | None = None,
        peer_wait: float = PEER_WAIT_SECONDS,
        connect_timeout: float = 15.0,
        backoff: tuple[float, float] = (0.2, 5.0),
    ) -> None:
        self.client = client
        self.allocation_id = allocation_id
        self.kind = kind
        self.cols = cols
        self.rows = rows
        self.session_id = session_id
        self.on_frame = on_frame
        self.on_end = on_end
        self.peer_wait = peer_wait
        self.connect_timeout = connect_timeout
        self.peer_connected = threading.Event()
        self.error: Exception | None = None
        self._peer_timer: threading.Timer | None = None
        self._peer_seen_at = 0.0
        self._on_data = on_data
        self.link = Link(self._dial, self._deliver, self._on_frame, backoff=backoff, on_connect=self._connected)
        self._thread = threading.Thread(target=self._run, name="terminal", daemon=True)

    # Use ----------------------------------------------------------------------------------------------

    def start(self) -> RelaySession:
        self._thread.start()
        return self

    def write(self, data: bytes) -> bool:
        return self.link.write(data)

    def resize(self, cols: int, rows: int) -> None:
        self.cols, self.rows = cols, rows
        self.link.send_frame({"type": "resize", "cols": cols, "rows": rows})

    def close(self, reason: str = "client closed") -> None:
        self.link.close(reason)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the session to end; True once it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def closed(self) -> bool:
        return self.link.closed.is_set()

    @property
    def close_reason(self) -> str | None:
        return self.link.close_reason

    # Inside -------------------------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self.link.run()
        finally:
            if self._peer_timer is not None:
                self._peer_timer.cancel()
            self.on_end()

    def _ticket(self) -> TerminalTicket:
        if self.session_id:
            return self.client.open_terminal(self.allocation_id, session_id=self.session_id)
        ticket = self.client.open_terminal(self.allocation_id, kind=self.kind, cols=self.cols, rows=self.rows)
        self.session_id = ticket.session_id
        return ticket

    def _dial(self) -> Connection:
        try:
            ticket = self._ticket()
        except TransportError as exc:
            raise ConnectionError(str(exc)) from exc  # the API is away: try again later
        except ApiError as exc:
            if exc.status >= 500 or exc.status == 429:
                raise ConnectionError(str(exc)) from exc
            self.error = exc
            self.link.max_refusals = 1  # gone, not active, not ours: no point in asking again
            raise Refused(f"{exc.code}: {exc.message}") from exc
        try:
            return connect(
                ticket_url(ticket),
                open_timeout=self.connect_timeout,
                close_timeout=2,
                max_size=MAX_MESSAGE_BYTES,
                compression=None,
            )
        except InvalidStatus as exc:
            if 400 <= exc.response.status_code < 500:
                raise Refused(f"the relay refused the ticket (HTTP {exc.response.status_code})") from exc
            raise

    def _on_frame(self, frame: Frame) -> None:
        if frame.get("type") == "peer":
            if frame.get("state") == "connected":
                self._peer_seen_at = time.monotonic()
                self.peer_connected.set()
            elif frame.get("state") == "disconnected":
                self.peer_connected.clear()
                self._arm()
        self.on_frame(frame)

    def _deliver(self, data: bytes) -> None:
        self.peer_connected.set()
        self._on_data(data)

    def _connected(self) -> None:
        """A connection of this end is up: unless the agent shows itself within ``peer_wait`` (a ``peer``
        frame, or its ``hello``, which it sends when it hears this end came), dial again."""
        self.peer_connected.clear()
        self._arm()

    def _arm(self) -> None:
        if self._peer_timer is not None:
            self._peer_timer.cancel()
        self._peer_timer = threading.Timer(self.peer_wait, self._peer_gone, args=(time.monotonic(),))
        self._peer_timer.daemon = True
        self._peer_timer.start()

    def _peer_gone(self, armed_at: float) -> None:
        seen = max(self._peer_seen_at, self.link.peer_frame_at)
        if seen > armed_at:
            self.peer_connected.set()
            return
        if not self.link.stopped.is_set():
            self.link.drop()  # reconnect: the relay asks the node to open its side again
