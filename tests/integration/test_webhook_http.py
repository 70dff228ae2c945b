"""The webhook sender against real HTTP servers on loopback (http.server in threads), allowed by the
local stage's explicit setting: status codes, redirects not followed, the body cap, the deadline,
and TLS verified against the URL's host name while connecting to a pinned 127.0.0.1.

Every server here listens on 127.0.0.1; nothing is sent anywhere else."""

from __future__ import annotations

import datetime
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chalicelib.adapters.webhook_http import PinnedConnections, PinnedHttpSender, tls_context
from chalicelib.webhooks.destinations import Destination
from chalicelib.webhooks.sending import PROTOCOL_ERROR, REDIRECT_REFUSED, TIMEOUT, TLS_FAILED

pytestmark = pytest.mark.integration

BIG = 10 * 1024 * 1024


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A loopback HTTP server whose routes are functions of the handler."""

    routes: dict[str, Callable[[BaseHTTPRequestHandler], None]]
    seen: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    sent: list[int] = field(default_factory=list)  # bytes of the big body written before the peer left
    server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.server_address[1])

    def url(self, path: str, *, scheme: str = "http", host: str = "127.0.0.1") -> str:
        return f"{scheme}://{host}:{self.port}{path}"


def _serve(receiver: Receiver, context: ssl.SSLContext | None = None) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            receiver.seen.append(
                Seen(self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
            )
            receiver.routes[self.path](self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    receiver.server = server
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


def _reply(
    status: int, body: bytes = b"", headers: Sequence[tuple[str, str]] = ()
) -> Callable[[BaseHTTPRequestHandler], None]:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        for name, value in headers:
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return route


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(routes={})
    server = _serve(r)
    yield r
    r.release.set()
    server.shutdown()
    server.server_close()


def _sender(**kwargs: object) -> PinnedHttpSender:
    return PinnedHttpSender(allow_loopback=True, **kwargs)  # type: ignore[arg-type]


def test_a_2xx_is_a_success_with_the_first_kilobyte_of_the_body(receiver: Receiver) -> None:
    receiver.routes["/ok"] = _reply(200, b"x" * 3000)
    outcome = _sender().post(receiver.url("/ok"), b'{"id":"evt_1"}', {"webhook-id": "evt_1", "Host": "evil.example"})
    assert outcome.succeeded
    assert (outcome.status_code, outcome.error, outcome.address) == (200, None, "127.0.0.1")
    assert outcome.body_prefix == "x" * 1024
    assert outcome.latency_ms >= 0
    [seen] = receiver.seen
    assert seen.body == b'{"id":"evt_1"}'
    assert seen.headers["webhook-id"] == "evt_1"
    assert seen.headers["host"] == f"127.0.0.1:{receiver.port}"  # the URL's host; a caller's Host is dropped
    assert seen.headers["connection"] == "close"


def test_localhost_resolves_once_and_reaches_the_loopback_receiver(receiver: Receiver) -> None:
    receiver.routes["/ok"] = _reply(204)
    outcome = _sender().post(receiver.url("/ok", host="localhost"), b"{}", {})
    assert outcome.status_code == 204
    assert outcome.succeeded
    assert receiver.seen[0].headers["host"] == f"localhost:{receiver.port}"


@pytest.mark.parametrize("status", [500, 410, 404, 429])
def test_error_statuses_are_reported_not_raised(receiver: Receiver, status: int) -> None:
    receiver.routes["/e"] = _reply(status, b"no thanks")
    outcome = _sender().post(receiver.url("/e"), b"{}", {})
    assert (outcome.status_code, outcome.error, outcome.body_prefix) == (status, None, "no thanks")
    assert not outcome.succeeded


def test_a_redirect_to_a_private_address_is_refused_and_not_followed(receiver: Receiver) -> None:
    calls: list[str] = []
    default = PinnedConnections(tls_context())

    def connections(destination: Destination, address: str, timeout: float) -> http.client.HTTPConnection:
        calls.append(address)
        return default(destination, address, timeout)

    receiver.routes["/r"] = _reply(302, headers=[("Location", "http://10.0.0.7/latest/meta-data/")])
    outcome = _sender(connection_factory=connections).post(receiver.url("/r"), b"{}", {})
    assert (outcome.status_code, outcome.error) == (302, REDIRECT_REFUSED)
    assert outcome.detail == "302 redirect to 'http://10.0.0.7/latest/meta-data/' not followed"
    assert calls == ["127.0.0.1"]  # one connection: the receiver's
    assert not outcome.succeeded


def test_a_redirect_target_never_gets_a_request(receiver: Receiver) -> None:
    target = Receiver(routes={"/t": _reply(200)})
    server = _serve(target)
    try:
        receiver.routes["/r"] = _reply(307, headers=[("Location", target.url("/t"))])
        outcome = _sender().post(receiver.url("/r"), b"{}", {})
        assert (outcome.status_code, outcome.error) == (307, REDIRECT_REFUSED)
        assert [s.path for s in receiver.seen] == ["/r"]
        assert target.seen == []
    finally:
        server.shutdown()
        server.server_close()


def test_a_ten_megabyte_body_is_read_only_to_the_cap(receiver: Receiver) -> None:
    def big(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(BIG))
        handler.end_headers()
        chunk, written = b"y" * 65536, 0
        try:
            while written < BIG:
                handler.wfile.write(chunk)
                written += len(chunk)
        except OSError:
            pass
        receiver.sent.append(written)

    read: list[int] = []

    class CountingResponse(http.client.HTTPResponse):
        def read(self, amt: int | None = None) -> bytes:
            data = super().read(amt)
            read.append(len(data))
            return data

    default = PinnedConnections(tls_context())

    def connections(destination: Destination, address: str, timeout: float) -> http.client.HTTPConnection:
        connection = default(destination, address, timeout)
        connection.response_class = CountingResponse
        return connection

    receiver.routes["/big"] = big
    started = time.monotonic()
    outcome = _sender(connection_factory=connections).post(receiver.url("/big"), b"{}", {})
    assert outcome.status_code == 200
    assert outcome.succeeded
    assert outcome.body_prefix == "y" * 1024
    assert sum(read) == 64 * 1024  # the sender stopped at the cap, and closed the connection
    assert time.monotonic() - started < 5


def test_a_server_that_never_answers_times_out(receiver: Receiver) -> None:
    def hang(handler: BaseHTTPRequestHandler) -> None:
        receiver.release.wait(10)

    receiver.routes["/slow"] = hang
    started = time.monotonic()
    outcome = _sender(timeout_seconds=0.4).post(receiver.url("/slow"), b"{}", {})
    elapsed = time.monotonic() - started
    assert (outcome.status_code, outcome.error) == (None, TIMEOUT)
    assert outcome.detail == "no complete response within 0.4 s"
    assert 0.3 < elapsed < 3


def test_a_server_that_drips_its_headers_is_cut_at_the_total_deadline(receiver: Receiver) -> None:
    """Each byte arrives well within the timeout; only the whole-attempt deadline stops it."""

    def drip(handler: BaseHTTPRequestHandler) -> None:
        try:
            handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
            while not receiver.release.wait(0.05):
                handler.wfile.write(b"X-Drip: 1\r\n")
                handler.wfile.flush()
        except OSError:
            pass

    receiver.routes["/drip"] = drip
    started = time.monotonic()
    outcome = _sender(timeout_seconds=0.6).post(receiver.url("/drip"), b"{}", {})
    elapsed = time.monotonic() - started
    assert (outcome.status_code, outcome.error) == (None, TIMEOUT)
    assert elapsed < 3


def test_a_garbage_reply_is_a_protocol_error(receiver: Receiver) -> None:
    def garbage(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(b"SSH-2.0-OpenSSH_9.6\r\n")
        handler.close_connection = True

    receiver.routes["/g"] = garbage
    outcome = _sender().post(receiver.url("/g"), b"{}", {})
    assert (outcome.status_code, outcome.error) == (None, PROTOCOL_ERROR)


# -- TLS -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for hooks.example.test (its own CA), and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hooks.example.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("hooks.example.test")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def tls_receiver(certificate: tuple[Path, Path]) -> Iterator[Receiver]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    r = Receiver(routes={"/in": _reply(200, b"verified")})
    server = _serve(r, context)
    yield r
    server.shutdown()
    server.server_close()


def _pinned(names: Sequence[str]) -> Callable[[str, int], list[str]]:
    def resolve(host: str, port: int) -> list[str]:
        assert host in names
        return ["127.0.0.1"]

    return resolve


def test_https_to_a_pinned_address_verifies_the_certificate_for_the_url_host(
    tls_receiver: Receiver, certificate: tuple[Path, Path]
) -> None:
    sender = _sender(resolver=_pinned(["hooks.example.test"]), ca_bundle=str(certificate[0]))
    outcome = sender.post(tls_receiver.url("/in", scheme="https", host="hooks.example.test"), b"{}", {})
    assert (outcome.status_code, outcome.error, outcome.body_prefix) == (200, None, "verified")
    assert outcome.address == "127.0.0.1"
    assert tls_receiver.seen[0].headers["host"] == f"hooks.example.test:{tls_receiver.port}"


def test_https_with_a_certificate_for_another_name_fails_with_tls_failed(
    tls_receiver: Receiver, certificate: tuple[Path, Path]
) -> None:
    sender = _sender(resolver=_pinned(["other.example.test"]), ca_bundle=str(certificate[0]))
    outcome = sender.post(tls_receiver.url("/in", scheme="https", host="other.example.test"), b"{}", {})
    assert (outcome.status_code, outcome.error) == (None, TLS_FAILED)
    assert outcome.detail is not None
    assert "other.example.test" in outcome.detail or "mismatch" in outcome.detail
    assert tls_receiver.seen == []


def test_a_tls_peer_that_never_handshakes_times_out_at_the_deadline() -> None:
    """The TCP connect succeeds and the peer then says nothing: the handshake is cut at the deadline."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    try:
        port = listener.getsockname()[1]
        sender = _sender(resolver=_pinned(["hooks.example.test"]), timeout_seconds=0.4)
        started = time.monotonic()
        outcome = sender.post(f"https://hooks.example.test:{port}/in", b"{}", {})
        assert (outcome.status_code, outcome.error) == (None, TIMEOUT)
        assert time.monotonic() - started < 3
    finally:
        for peer in accepted:
            peer.close()
        listener.close()


def test_https_to_an_untrusted_certificate_fails_with_tls_failed(tls_receiver: Receiver) -> None:
    sender = _sender(resolver=_pinned(["hooks.example.test"]))  # the system's CAs: the self-signed one is not there
    outcome = sender.post(tls_receiver.url("/in", scheme="https", host="hooks.example.test"), b"{}", {})
    assert (outcome.status_code, outcome.error) == (None, TLS_FAILED)
    assert tls_receiver.seen == []
