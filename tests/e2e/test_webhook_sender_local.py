"""The local cloud's stage lets the webhook sender reach a plain-http receiver on loopback (its
explicit setting, GPUAAS_WEBHOOK_ALLOW_HTTP_LOOPBACK), and nothing else: the guard still refuses
private addresses, and https stays the only scheme to anything that is not loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from chalicelib import bootstrap
from chalicelib.core.settings import get_settings
from chalicelib.webhooks.sending import UNSAFE_DESTINATION

pytestmark = pytest.mark.e2e


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[bytes]]]:
    got: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            got.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", got
    server.shutdown()
    server.server_close()


def test_the_local_stage_sender_reaches_a_loopback_receiver_and_refuses_the_rest(cloud, receiver) -> None:
    url, got = receiver
    bootstrap.reset()
    assert get_settings().webhook_allow_http_loopback is True
    outcome = bootstrap.webhook_sender().post(url, b'{"id":"evt_1"}', {"content-type": "application/json"})
    assert (outcome.status_code, outcome.error, outcome.address) == (204, None, "127.0.0.1")
    assert got == [b'{"id":"evt_1"}']
    for refused in ("http://10.0.0.7/hook", "https://169.254.169.254/latest/meta-data/", "http://2130706433/"):
        assert bootstrap.webhook_sender().post(refused, b"{}", {}).error == UNSAFE_DESTINATION, refused
    bootstrap.webhook_destination_policy().check(url)
