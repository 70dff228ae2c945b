"""Webhook endpoints, their deliveries and each delivery's attempts (doc/webhooks.md).

An endpoint is an org's URL with the public event types it subscribes to and a signing secret
(kept sealed: the domain never holds a secret in the clear except to show it once or to sign). A
delivery is one public event for one endpoint; it is retried on a fixed schedule, and each try is
an attempt with what came back.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from chalicelib.core import errors
from chalicelib.core.public_events import known_pattern

# When each attempt of an automatic series is due, counted from the previous failed attempt
# (the first is sent at once). Eight attempts over about 28 hours, as the issue asks.
RETRY_SCHEDULE_SECONDS: tuple[int, ...] = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
# A redelivery, a recovery and a test ping are one attempt each: the caller asked for them now.
MANUAL_SERIES = 1

# Delivery states.
PENDING = "pending"
SUCCEEDED = "succeeded"
FAILED = "failed"
# Attempt states.
SENDING = "sending"

# Why an endpoint was disabled (webhook.disabled's reason).
REASON_GONE = "gone"  # the receiver answered 410 Gone
REASON_FAILING = "failing"  # every attempt failed for the configured time (5 days)

# What started a series of attempts.
TRIGGER_EVENT = "event"
TRIGGER_TEST = "test"
TRIGGER_REDELIVER = "redeliver"
TRIGGER_RECOVER = "recover"

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES = 32  # the spec asks for 24 to 64 bytes of randomness
MAX_EVENT_TYPES = 32
MAX_URL_LENGTH = 2048
MAX_DESCRIPTION = 256
# What an attempt keeps of the response body.
RESPONSE_PREFIX_BYTES = 1024


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and the base64 of random bytes."""
    return SECRET_PREFIX + base64.b64encode(os.urandom(SECRET_BYTES)).decode()


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    id: str
    org_id: str
    url: str
    event_types: tuple[str, ...]
    description: str
    enabled: bool
    operator: bool  # created by a platform operator: may subscribe to (and receives) node.* events
    sealed_secret: str  # the current signing secret, encrypted (SecretCipher)
    created_by: str
    created_at: str
    updated_at: str
    version: int
    # The secret a rotation retired, still signing until it expires.
    previous_sealed_secret: str | None = None
    previous_secret_expires_at: str | None = None
    disabled_reason: str | None = None
    # The first failed attempt since the last success: the endpoint is disabled once it is old enough.
    failing_since: str | None = None

    def previous_secret_active(self, now: datetime) -> bool:
        return (
            self.previous_sealed_secret is not None
            and self.previous_secret_expires_at is not None
            and datetime.fromisoformat(self.previous_secret_expires_at.replace("Z", "+00:00")) > now
        )


@dataclass(frozen=True, slots=True)
class EndpointChanges:
    url: str | None = None
    event_types: tuple[str, ...] | None = None
    description: str | None = None
    enabled: bool | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    id: str  # dlv_<the event's ulid>: one delivery per (endpoint, event)
    endpoint_id: str
    org_id: str
    event_id: str  # the webhook-id header of every attempt
    event_type: str
    payload: dict[str, Any]  # PublicEvent.payload(): the body of every attempt
    status: str
    attempts: int  # attempts made so far, over every series
    series_step: int  # attempts made in the current series
    series_max: int  # attempts the current series may make
    trigger: str
    created_at: str
    updated_at: str
    next_attempt_at: str | None = None
    last_status_code: int | None = None
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class Attempt:
    delivery_id: str
    number: int
    trigger: str
    status: str  # sending | succeeded | failed
    started_at: str
    finished_at: str | None = None
    status_code: int | None = None
    latency_ms: int | None = None
    response: str = ""  # the first 1 KB of the response body
    error: str | None = None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryTask:
    """One message of the delivery queue: make attempt ``attempt`` of a delivery.

    ``not_before`` is the time the attempt was due by the schedule: a worker takes "now" as the
    later of its clock and this, so that a sweep run for a later time (how tests compress days)
    decides as if that time had come."""

    org_id: str
    endpoint_id: str
    delivery_id: str
    attempt: int
    not_before: str | None = None

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "org_id": self.org_id,
            "endpoint_id": self.endpoint_id,
            "delivery_id": self.delivery_id,
            "attempt": self.attempt,
        }
        if self.not_before:
            doc["not_before"] = self.not_before
        return doc

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> DeliveryTask:
        return cls(
            org_id=str(doc["org_id"]),
            endpoint_id=str(doc["endpoint_id"]),
            delivery_id=str(doc["delivery_id"]),
            attempt=int(doc["attempt"]),
            not_before=doc.get("not_before"),
        )


@dataclass(frozen=True, slots=True)
class DeliveryView:
    delivery: Delivery
    attempts: list[Attempt] = field(default_factory=list)


def delivery_id_for(event_id: str) -> str:
    """A delivery's id is its event's: the delivery log sorts by event time, and one endpoint can
    never get two deliveries of one event."""
    return "dlv_" + event_id.split("_", 1)[-1]


def next_delay(series_step: int) -> int | None:
    """Seconds to wait before the attempt after ``series_step`` failed ones, None when none is left."""
    return RETRY_SCHEDULE_SECONDS[series_step] if series_step < len(RETRY_SCHEDULE_SECONDS) else None


def after(moment: datetime, seconds: int) -> datetime:
    return moment + timedelta(seconds=seconds)


# Validation ------------------------------------------------------------------------------------


def validate_url(url: str) -> str:
    """The URL's form; whether its host is an allowed destination is the DestinationPolicy's call."""
    text = url.strip()
    if not text or len(text) > MAX_URL_LENGTH:
        raise errors.InvalidWebhookUrlError(f"A webhook URL has 1 to {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise errors.InvalidWebhookUrlError("The webhook URL is not a URL") from exc
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise errors.InvalidWebhookUrlError("A webhook URL is https://host/path")
    if parts.username or parts.password:
        raise errors.InvalidWebhookUrlError("A webhook URL carries no credentials; verify signatures instead")
    if parts.fragment:
        raise errors.InvalidWebhookUrlError("A webhook URL has no #fragment")
    return text


def validate_event_types(patterns: list[str] | tuple[str, ...], *, operator: bool) -> tuple[str, ...]:
    if not patterns:
        raise errors.ValidationFailedError("Subscribe to at least one event type (or '*')")
    if len(patterns) > MAX_EVENT_TYPES:
        raise errors.ValidationFailedError(f"At most {MAX_EVENT_TYPES} event types per endpoint")
    unknown = [p for p in patterns if not known_pattern(p, operator=operator)]
    if unknown:
        hint = "" if operator else " (node.* events are for platform operators)"
        raise errors.ValidationFailedError(f"Unknown event types: {', '.join(sorted(unknown))}{hint}")
    return tuple(dict.fromkeys(patterns))


def validate_description(description: str) -> str:
    if len(description) > MAX_DESCRIPTION:
        raise errors.ValidationFailedError(f"A description has at most {MAX_DESCRIPTION} characters")
    return description
