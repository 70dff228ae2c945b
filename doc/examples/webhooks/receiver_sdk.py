"""A GPUaaS webhook receiver that verifies with the SDK (``pip install gpuaas-client``).

    GPUAAS_WEBHOOK_SECRETS="whsec_..." PORT=8080 python receiver_sdk.py

During a rotation put both secrets in GPUAAS_WEBHOOK_SECRETS, new and old, separated by a space.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from gpuaas_client import WebhookVerificationError, verify_webhook

# webhook-id is the same across retries: remember what was processed (in your database, not here).
processed: set[str] = set()


def handle(body: bytes, headers: Mapping[str, str], secrets: Sequence[str]) -> int:
    """The status to answer: 2xx once the delivery is taken, 4xx when it is not GPUaaS's."""
    try:
        event = verify_webhook(body, headers, secrets)  # the raw body, before any JSON parsing
    except WebhookVerificationError as exc:
        print(f"refused: {exc}")
        return 400
    webhook_id = {k.lower(): v for k, v in headers.items()}["webhook-id"]
    if webhook_id in processed:
        return 200  # a retry of something already handled
    processed.add(webhook_id)
    # data.version orders events about the same resource: ignore one older than what you have.
    print(f"{event['type']} {event['id']} version {event['data'].get('version')}")
    return 204


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(handle(body, dict(self.headers.items()), os.environ["GPUAAS_WEBHOOK_SECRETS"].split()))
        self.send_header("Content-Length", "0")
        self.end_headers()


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Receiver).serve_forever()
