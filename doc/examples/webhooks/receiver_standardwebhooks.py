"""Verifying a GPUaaS delivery with the bare ``standardwebhooks`` package (``pip install
standardwebhooks``), for receivers that do not use the GPUaaS SDK.

    GPUAAS_WEBHOOK_SECRETS="whsec_..." PORT=8080 python receiver_standardwebhooks.py
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


def verify(body: bytes, headers: Mapping[str, str], secrets: Sequence[str]) -> dict[str, Any] | None:
    """The event if any secret verifies it (a rotation sends two signatures), else None."""
    lowered = {k.lower(): v for k, v in headers.items()}
    for secret in secrets:
        try:
            event: dict[str, Any] = Webhook(secret).verify(body, lowered)  # also refuses a timestamp > 5 min off
            return event
        except (WebhookVerificationError, ValueError):  # ValueError: a signature list it cannot split
            continue
    return None


def handle(body: bytes, headers: Mapping[str, str], secrets: Sequence[str]) -> int:
    event = verify(body, headers, secrets)
    if event is None:
        return 400
    print(f"{event['type']} {event['id']}")
    return 204


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(handle(body, dict(self.headers.items()), os.environ["GPUAAS_WEBHOOK_SECRETS"].split()))
        self.send_header("Content-Length", "0")
        self.end_headers()


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Receiver).serve_forever()
