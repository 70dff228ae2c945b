"""Domain events and their CloudEvents 1.0 envelope.

Services record ``DomainEvent``s; the unit of work wraps each in an envelope and writes it to
the outbox in the same transaction as the change. ``type`` is the EventBridge detail-type
and names the JSON Schema in ``events/schemas/<type>.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.core.clock import isoformat
from chalicelib.core.ids import new_id

SPEC_VERSION = "1.0"
SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class DomainEvent:
    type: str  # e.g. "sku.created": "<aggregate>.<past-tense verb>"
    subject: str  # id of the aggregate the event is about
    data: dict[str, Any]
    context: str  # bounded context that emits it, e.g. "inventory"
    id: str = field(default_factory=lambda: new_id("evt"))


def dataschema_for(event_type: str, version: int = SCHEMA_VERSION) -> str:
    return f"urn:gpuaas:events:{event_type}:v{version}"


def envelope(event: DomainEvent, *, source_prefix: str, time: datetime) -> dict[str, Any]:
    """The CloudEvents JSON form of ``event``; every field is required by our schemas."""
    return {
        "specversion": SPEC_VERSION,
        "id": event.id,
        "source": f"{source_prefix}.{event.context}",
        "type": event.type,
        "time": isoformat(time),
        "subject": event.subject,
        "datacontenttype": "application/json",
        "dataschema": dataschema_for(event.type),
        "data": event.data,
    }
