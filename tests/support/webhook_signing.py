"""Deliveries signed the way the platform signs them (Standard Webhooks, with the ``standardwebhooks``
package), for tests of receivers: the SDK's verify_webhook and the doc's examples in other languages."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from standardwebhooks import Webhook


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


@dataclass(frozen=True)
class Delivery:
    body: bytes
    headers: dict[str, str]


def sample_event(event_id: str = "evt_01m8example", version: int = 3) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "allocation.active",
        "timestamp": "2026-12-03T10:00:00.000Z",
        "data": {"allocation_id": "alc_01m8example", "state": "active", "version": version},
    }


def signed(event: dict[str, Any], *secrets: str, at: datetime | None = None, message_id: str | None = None) -> Delivery:
    """``event`` as the body, signed with every secret in ``secrets`` (a rotation sends two
    signatures, space separated), at ``at`` (now by default)."""
    when = at or datetime.now(UTC)
    body = json.dumps(event, separators=(",", ":")).encode()
    msg_id = message_id or str(event["id"])
    signatures = " ".join(Webhook(s).sign(msg_id, when, body.decode()) for s in secrets)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }
    return Delivery(body, headers)


def minutes_ago(minutes: float) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)
