"""What the delivery service needs from the HTTP side, and what it gets back.

The sender is the one place that opens sockets to a customer's URL, which is attacker-controlled:
it resolves the host once, refuses non-public addresses, connects to the pinned address, follows no
redirects and caps what it reads (chalicelib/adapters/webhook_http.py). The service only sees the
outcome of one attempt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

# Failure kinds an attempt can end with when no 2xx came back (HttpOutcome.error).
UNSAFE_DESTINATION = "unsafe_destination"  # the URL or an address it resolves to is not allowed
DNS_FAILED = "dns_failed"
CONNECT_FAILED = "connect_failed"
TLS_FAILED = "tls_failed"
TIMEOUT = "timeout"
REDIRECT_REFUSED = "redirect_refused"  # a 3xx: counted as a failure, its Location never followed
PROTOCOL_ERROR = "protocol_error"  # the peer did not speak HTTP/1.1


@dataclass(frozen=True, slots=True)
class HttpOutcome:
    status_code: int | None  # None when no HTTP response was read
    latency_ms: int
    body_prefix: str  # the first 1 KB of the response body (UTF-8, undecodable bytes replaced)
    error: str | None = None  # one of the kinds above; None when a response was read and was not a 3xx
    detail: str | None = None  # for people: "10.0.0.7 is a private address", "read timed out after 15 s"
    address: str | None = None  # the pinned IP address the attempt connected to (or refused)

    @property
    def succeeded(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender(Protocol):
    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> HttpOutcome:
        """POST ``body`` to ``url`` once; never raises for anything the destination does."""
        ...


class DestinationPolicy(Protocol):
    def check(self, url: str) -> None:
        """Raise ``errors.InvalidWebhookUrlError`` when ``url`` may not be a webhook destination
        (scheme, form, or a host that resolves to a refused address)."""
        ...
