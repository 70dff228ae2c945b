"""The HTTP side of webhook delivery: the one place that opens sockets to a customer's URL.

``PinnedHttpSender.post`` checks the URL's form (chalicelib/webhooks/destinations.py), resolves the
host **once**, refuses the attempt if any address it got is refused, and connects to an address from
that answer: the TCP connection never triggers a second lookup, so a name that answers a public
address to the check and 169.254.169.254 to the connect (DNS rebinding) gets nowhere. For https the
TLS handshake still names the original host (SNI) and the certificate is verified against it.

It follows no redirects (a 3xx is the failure ``redirect_refused``), reads at most 64 KB of a
response body and keeps its first 1 KB, and bounds the whole attempt (connect, send, headers, body)
by one deadline, 15 s by default: a watchdog shuts the socket down when it passes, so a server that
drips one byte a second cannot hold a worker. It uses ``http.client`` directly, which reads no proxy
settings from the environment (``HTTPS_PROXY`` would otherwise route around the pinning), and sends
``Connection: close``.

Whatever the destination does ends as an ``HttpOutcome``; only programming errors raise.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from chalicelib.core import errors
from chalicelib.webhooks.destinations import Destination, IpAddress, check_addresses, parse_destination
from chalicelib.webhooks.sending import (
    CONNECT_FAILED,
    DNS_FAILED,
    PROTOCOL_ERROR,
    REDIRECT_REFUSED,
    TIMEOUT,
    TLS_FAILED,
    UNSAFE_DESTINATION,
    HttpOutcome,
)

# host, port -> the addresses the name resolves to (IP strings). Tests inject one; no lookup leaves.
Resolver = Callable[[str, int], Sequence[str]]
# destination, the pinned address, the seconds left -> an unconnected connection to that address.
ConnectionFactory = Callable[[Destination, str, float], http.client.HTTPConnection]

DEFAULT_TIMEOUT_SECONDS = 15.0
DEFAULT_MAX_BODY_BYTES = 64 * 1024
BODY_PREFIX_BYTES = 1024
USER_AGENT = "GPUaaS-Webhooks/1.0"

# Framing and routing are the sender's: a caller's header may not change them.
_OWN_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})


def system_resolver(host: str, port: int) -> list[str]:
    """``socket.getaddrinfo``'s TCP answers, in its order, without repeats."""
    found: list[str] = []
    for _family, _type, _proto, _name, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = str(sockaddr[0])
        if address not in found:
            found.append(address)
    return found


class StaticHostsResolver:
    """Answers the names in ``table`` itself and asks ``fallback`` for the rest: the local stage's
    hosts file for webhook tests (``GPUAAS_WEBHOOK_HOSTS``). Answers still pass the guard."""

    def __init__(self, table: Mapping[str, Sequence[str]], fallback: Resolver = system_resolver) -> None:
        self._table = {name.lower(): list(addresses) for name, addresses in table.items()}
        self._fallback = fallback

    def __call__(self, host: str, port: int) -> Sequence[str]:
        found = self._table.get(host.lower())
        return found if found is not None else self._fallback(host, port)


class PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection that names ``host`` (the Host header) but dials ``address``."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.pinned_address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.pinned_address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class PinnedHTTPSConnection(PinnedHTTPConnection):
    """HTTPS to the pinned ``address``, with SNI and certificate verification for ``host``."""

    default_port = http.client.HTTPS_PORT

    def __init__(self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, address, timeout)
        self._context = context

    def connect(self) -> None:
        super().connect()
        assert self.sock is not None
        # The handshake runs once the TLS socket is ``self.sock``, so that the sender's deadline
        # watchdog can shut it down mid-handshake (a peer that stalls the handshake byte by byte).
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host, do_handshake_on_connect=False)
        self.sock.do_handshake()


def tls_context(ca_bundle: str | None = None) -> ssl.SSLContext:
    """Certificates verified against the system's CAs (or ``ca_bundle``), host names checked, TLS 1.2+."""
    context = ssl.create_default_context(cafile=ca_bundle)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class PinnedConnections:
    """The default ``ConnectionFactory``: plain or TLS connections to a pinned address."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context

    def __call__(self, destination: Destination, address: str, timeout: float) -> http.client.HTTPConnection:
        if destination.scheme == "https":
            return PinnedHTTPSConnection(destination.host, destination.port, address, timeout, self._context)
        return PinnedHTTPConnection(destination.host, destination.port, address, timeout)


class PinnedHttpSender:
    """``WebhookSender``: one POST to a customer's URL, through the SSRF guard."""

    def __init__(
        self,
        *,
        allow_loopback: bool = False,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        resolver: Resolver = system_resolver,
        connection_factory: ConnectionFactory | None = None,
        ca_bundle: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._allow_loopback = allow_loopback
        self._timeout = timeout_seconds
        self._max_body = max_body_bytes
        self._resolver = resolver
        self._connections = connection_factory or PinnedConnections(ssl_context or tls_context(ca_bundle))
        self._monotonic = monotonic

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> HttpOutcome:
        _check_headers(headers)  # the caller's mistake raises here, before any lookup or socket
        started = self._monotonic()
        try:
            destination = parse_destination(url, allow_http_loopback=self._allow_loopback)
        except errors.InvalidWebhookUrlError as exc:
            return self._failed(started, UNSAFE_DESTINATION, exc.message, _refused_address(exc))
        try:
            addresses = self._resolve(destination, started + self._timeout)
        except _DnsFailed as exc:
            return self._failed(started, DNS_FAILED, str(exc))
        except errors.InvalidWebhookUrlError as exc:
            return self._failed(started, UNSAFE_DESTINATION, exc.message, _refused_address(exc))
        return self._send(destination, addresses, body, headers, started)

    def _resolve(self, destination: Destination, deadline: float) -> list[IpAddress]:
        """``resolve_allowed`` within the attempt's deadline: ``getaddrinfo`` has no timeout of its
        own, so a name whose servers never answer is given up (the lookup thread ends by itself)."""
        if destination.literal is not None:
            return resolve_allowed(destination, self._resolver, allow_loopback=self._allow_loopback)
        found: list[list[IpAddress]] = []
        failed: list[BaseException] = []

        def lookup() -> None:
            try:
                found.append(resolve_allowed(destination, self._resolver, allow_loopback=self._allow_loopback))
            except BaseException as exc:  # handed to the caller's thread below
                failed.append(exc)

        thread = threading.Thread(target=lookup, name="webhook-dns", daemon=True)
        thread.start()
        thread.join(max(deadline - self._monotonic(), 0.0))
        if failed:
            raise failed[0]
        if not found:
            raise _DnsFailed(f"{destination.host} did not resolve within {self._timeout:g} s")
        return found[0]

    def _send(
        self,
        destination: Destination,
        addresses: list[IpAddress],
        body: bytes,
        headers: Mapping[str, str],
        started: float,
    ) -> HttpOutcome:
        deadline = started + self._timeout
        watchdog = _Watchdog(max(deadline - self._monotonic(), 0.0))
        try:
            return self._exchange(destination, addresses, body, headers, started, deadline, watchdog)
        finally:
            watchdog.cancel()

    def _exchange(
        self,
        destination: Destination,
        addresses: list[IpAddress],
        body: bytes,
        headers: Mapping[str, str],
        started: float,
        deadline: float,
        watchdog: _Watchdog,
    ) -> HttpOutcome:
        connected = self._connect(destination, addresses, started, deadline, watchdog)
        if isinstance(connected, HttpOutcome):
            return connected
        connection, address = connected
        watchdog.pin(connection)
        fired = watchdog.fired
        try:
            connection.request("POST", destination.target, body=body, headers=self._headers(headers, len(body)))
            response = connection.getresponse()
            if fired.is_set():
                # The deadline cut the headers short; http.client reads the cut as their end.
                return self._failed(started, TIMEOUT, self._timeout_detail(), address)
            status = response.status
            location = response.getheader("Location")
            data, read_error = self._read_capped(response)
        except Exception as exc:  # whatever the peer does is an outcome, never a crash
            kind, detail = (TIMEOUT, self._timeout_detail()) if fired.is_set() else _classify(exc, self._timeout)
            return self._failed(started, kind, detail, address)
        finally:
            connection.close()
        prefix = data[:BODY_PREFIX_BYTES].decode("utf-8", errors="replace")
        if 300 <= status < 400:
            shown = (location or "")[:200]
            detail = f"{status} redirect to {shown!r} not followed" if shown else f"{status} redirect not followed"
            return HttpOutcome(status, self._elapsed_ms(started), prefix, REDIRECT_REFUSED, detail, address)
        # The status decides the attempt: a body cut short after it (a timeout, a reset) is noted only.
        note: str | None = None
        if read_error is not None:
            note = self._timeout_detail() if fired.is_set() else f"response body cut short: {read_error}"
        return HttpOutcome(status, self._elapsed_ms(started), prefix, None, note, address)

    def _connect(
        self,
        destination: Destination,
        addresses: list[IpAddress],
        started: float,
        deadline: float,
        watchdog: _Watchdog,
    ) -> tuple[http.client.HTTPConnection, str] | HttpOutcome:
        """Connect to the first of ``addresses`` that accepts (a name may have an unreachable AAAA
        record); each one is an address that passed the guard, never a fresh lookup."""
        last = ""
        for ip in addresses:
            address = str(ip)
            remaining = deadline - self._monotonic()
            if remaining <= 0:
                return self._failed(started, TIMEOUT, self._timeout_detail(), address)
            connection = self._connections(destination, address, remaining)
            watchdog.watch(connection)
            try:
                connection.connect()
            except OSError as exc:  # ssl.SSLError and TimeoutError included
                connection.close()
                failed = self._connect_failure(exc, watchdog.fired.is_set(), started, address)
                if failed is not None:
                    return failed
                last = f"{address} port {destination.port}: {_short(exc)}"
                continue
            return connection, address
        return self._failed(started, CONNECT_FAILED, f"could not connect to {last}", str(addresses[-1]))

    def _connect_failure(self, exc: OSError, fired: bool, started: float, address: str) -> HttpOutcome | None:
        """The outcome a failed connect ends the attempt with, or None to try the next address
        (only for a refused or unreachable one: a TLS failure or the deadline ends the attempt)."""
        if fired or isinstance(exc, TimeoutError):
            return self._failed(started, TIMEOUT, self._timeout_detail(), address)
        if isinstance(exc, ssl.SSLCertVerificationError):
            return self._failed(started, TLS_FAILED, f"certificate refused: {exc.verify_message}", address)
        if isinstance(exc, ssl.SSLError):  # ssl.CertificateError is SSLCertVerificationError
            return self._failed(started, TLS_FAILED, f"TLS handshake failed: {_short(exc)}", address)
        return None

    def _headers(self, given: Mapping[str, str], length: int) -> dict[str, str]:
        headers = {name: value for name, value in given.items() if name.lower() not in _OWN_HEADERS}
        if not any(name.lower() == "user-agent" for name in headers):
            headers["User-Agent"] = USER_AGENT
        headers["Content-Length"] = str(length)
        headers["Connection"] = "close"
        return headers

    def _read_capped(self, response: http.client.HTTPResponse) -> tuple[bytes, str | None]:
        """At most ``max_body_bytes`` of the body; the rest is never read (the socket is closed)."""
        chunks: list[bytes] = []
        left = self._max_body
        try:
            while left > 0:
                chunk = response.read(min(left, 16384))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
        except Exception as exc:  # the status already arrived; the body is a courtesy
            return b"".join(chunks), _short(exc)
        return b"".join(chunks), None

    def _failed(self, started: float, kind: str, detail: str, address: str | None = None) -> HttpOutcome:
        return HttpOutcome(None, self._elapsed_ms(started), "", kind, detail, address)

    def _elapsed_ms(self, started: float) -> int:
        return max(0, int((self._monotonic() - started) * 1000))

    def _timeout_detail(self) -> str:
        return f"no complete response within {self._timeout:g} s"


class WebhookDestinationPolicy:
    """``DestinationPolicy``: the checks an endpoint's URL must pass when it is registered or changed.
    Each delivery checks again (``PinnedHttpSender``): what a name resolves to can change later."""

    def __init__(self, *, allow_loopback: bool = False, resolver: Resolver = system_resolver) -> None:
        self._allow_loopback = allow_loopback
        self._resolver = resolver

    def check(self, url: str) -> None:
        destination = parse_destination(url, allow_http_loopback=self._allow_loopback)
        try:
            resolve_allowed(destination, self._resolver, allow_loopback=self._allow_loopback)
        except _DnsFailed as exc:
            raise errors.InvalidWebhookUrlError(str(exc)) from None


def _check_headers(headers: Mapping[str, str]) -> None:
    for name, value in headers.items():
        if not name or any(ch in f"{name}{value}" for ch in "\r\n\0") or ":" in name:
            raise ValueError(f"webhook header {name!r} cannot be sent")


class _DnsFailed(Exception):
    pass


def resolve_allowed(destination: Destination, resolver: Resolver, *, allow_loopback: bool) -> list[IpAddress]:
    """The addresses to connect to: the literal, or the one answer for the name, all of them allowed
    (``InvalidWebhookUrlError`` otherwise)."""
    if destination.literal is not None:
        raw = [str(destination.literal)]
    else:
        try:
            raw = list(resolver(destination.host, destination.port))
        except (OSError, UnicodeError) as exc:
            raise _DnsFailed(f"{destination.host} does not resolve: {_short(exc)}") from None
    return check_addresses(destination, raw, allow_loopback=allow_loopback)


class _Watchdog:
    """Shuts down the attempt's socket when its deadline passes, under whatever connect, handshake,
    write or read is blocked on it: socket timeouts bound one operation, not their sum. The plain
    socket's shutdown, also for TLS: the TLS layer's own would unwrap from another thread."""

    def __init__(self, seconds: float) -> None:
        self.fired = threading.Event()
        self._lock = threading.Lock()
        self._connection: http.client.HTTPConnection | None = None
        self._sock: socket.socket | None = None
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            self._connection, self._sock = connection, None

    def pin(self, connection: http.client.HTTPConnection) -> None:
        """Keep the connected socket: http.client drops its reference once a response says close."""
        with self._lock:
            self._connection, self._sock = connection, connection.sock

    def cancel(self) -> None:
        self._timer.cancel()

    def _fire(self) -> None:
        with self._lock:
            self.fired.set()
            sock = self._sock or (self._connection.sock if self._connection is not None else None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _classify(exc: BaseException, timeout: float) -> tuple[str, str]:
    if isinstance(exc, TimeoutError):
        return TIMEOUT, f"no complete response within {timeout:g} s"
    if isinstance(exc, http.client.HTTPException):
        return PROTOCOL_ERROR, f"not an HTTP/1.1 response: {_short(exc) or type(exc).__name__}"
    if isinstance(exc, ssl.SSLError):
        return TLS_FAILED, f"TLS failed: {_short(exc)}"
    if isinstance(exc, OSError):
        return CONNECT_FAILED, f"connection failed while sending: {_short(exc)}"
    return PROTOCOL_ERROR, f"{type(exc).__name__}: {_short(exc)}"


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _refused_address(exc: errors.InvalidWebhookUrlError) -> str | None:
    details: Any = exc.details
    return details.get("address") if isinstance(details, dict) else None
