"""Public events: what customers receive by webhook, by the event feed and in notifications.

Internal domain events (doc/events.md) are the platform's own contract and change with it; public
events are a smaller, stable set named for what a customer automates on (``allocation.active``,
``balance.low``, ``payment.refunded``). Each public event comes from exactly one internal event and
keeps its id, so a webhook delivery, the event feed and the internal history agree on it, and a
receiver can deduplicate by the ``webhook-id`` header whatever path the event took.

The payload follows the Standard Webhooks shape: ``{"id", "type", "timestamp", "data"}``; ``data``
carries the resource with its ``version`` so that receivers can order what they get.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Every type a customer can subscribe to, in the order the docs list them.
CUSTOMER_EVENT_TYPES: tuple[str, ...] = (
    "allocation.requested",
    "allocation.active",
    "allocation.failed",
    "allocation.releasing",
    "allocation.released",
    "allocation.force_released",
    "allocation.expiring",
    "balance.low",
    "balance.depleted",
    "payment.succeeded",
    "payment.refunded",
    "payment.disputed",
)
# Fleet events concern the operator, not a tenant: only platform operators may subscribe to them.
OPERATOR_EVENT_TYPES: tuple[str, ...] = ("node.suspect", "node.down", "node.drained")
PUBLIC_EVENT_TYPES: tuple[str, ...] = CUSTOMER_EVENT_TYPES + OPERATOR_EVENT_TYPES
# Sent only by POST /v1/webhooks/{id}/test; never in the event feed.
PING_EVENT_TYPE = "webhook.ping"


@dataclass(frozen=True, slots=True)
class PublicEvent:
    id: str  # the internal event's id: evt_<ulid>; the webhook-id of every delivery of it
    type: str  # one of PUBLIC_EVENT_TYPES
    timestamp: str  # when the change committed (the internal event's time)
    org_id: str | None  # the tenant it is about; None for operator events
    subject: str  # the resource's id (alc_..., org_..., pay_..., node_...)
    data: dict[str, Any]

    @property
    def operator_only(self) -> bool:
        return self.type in OPERATOR_EVENT_TYPES

    def payload(self) -> dict[str, Any]:
        """The JSON body of a webhook delivery and of an event feed entry."""
        return {"id": self.id, "type": self.type, "timestamp": self.timestamp, "data": self.data}


# Subscriptions ---------------------------------------------------------------------------------


def matches(pattern: str, event_type: str) -> bool:
    """``allocation.*`` matches every allocation event, ``*`` every event, otherwise exact."""
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


def known_pattern(pattern: str, *, operator: bool) -> bool:
    """Whether ``pattern`` names (or matches) at least one type its subscriber may receive."""
    allowed = PUBLIC_EVENT_TYPES if operator else CUSTOMER_EVENT_TYPES
    if pattern == "*" or pattern in allowed:
        return True
    stem = pattern[:-2] if pattern.endswith(".*") else None
    return stem is not None and stem != "" and "*" not in stem and any(matches(pattern, t) for t in allowed)


def subscribed(patterns: Iterable[str], event: PublicEvent, *, operator: bool) -> bool:
    """Whether a subscriber with ``patterns`` receives ``event``: operator events go only to
    operators' subscriptions, even under ``*``."""
    if event.operator_only and not operator:
        return False
    return any(matches(p, event.type) for p in patterns)


# Mapping from internal events ------------------------------------------------------------------

_Mapper = Callable[[Mapping[str, Any]], "tuple[str, str | None, dict[str, Any]] | None"]


def _data(envelope: Mapping[str, Any]) -> dict[str, Any]:
    data = envelope.get("data")
    return copy.deepcopy(dict(data)) if isinstance(data, Mapping) else {}


def _same(public_type: str) -> _Mapper:
    def mapper(envelope: Mapping[str, Any]) -> tuple[str, str | None, dict[str, Any]] | None:
        data = _data(envelope)
        return public_type, data.get("org_id"), data

    return mapper


def _by_entry_kind(kinds: Mapping[str, str]) -> _Mapper:
    def mapper(envelope: Mapping[str, Any]) -> tuple[str, str | None, dict[str, Any]] | None:
        data = _data(envelope)
        public_type = kinds.get(str(data.get("kind")))
        return (public_type, data.get("org_id"), data) if public_type else None

    return mapper


def _node_health(envelope: Mapping[str, Any]) -> tuple[str, str | None, dict[str, Any]] | None:
    data = _data(envelope)
    health = (data.get("node") or {}).get("health")
    return ({"suspect": ("node.suspect", None, data), "down": ("node.down", None, data)}).get(str(health))


def _node_drained(envelope: Mapping[str, Any]) -> tuple[str, str | None, dict[str, Any]] | None:
    return "node.drained", None, _data(envelope)


# internal type -> how it becomes a public event (or None: not public)
_MAPPERS: dict[str, _Mapper] = {
    "allocation.requested": _same("allocation.requested"),
    "allocation.active": _same("allocation.active"),
    "allocation.failed": _same("allocation.failed"),
    "allocation.releasing": _same("allocation.releasing"),
    "allocation.released": _same("allocation.released"),
    "allocation.force_released": _same("allocation.force_released"),
    "allocation.expiring": _same("allocation.expiring"),
    "billing.low_balance": _same("balance.low"),
    "billing.balance_depleted": _same("balance.depleted"),
    "billing.credited": _by_entry_kind({"topup": "payment.succeeded"}),
    "billing.debited": _by_entry_kind({"refund": "payment.refunded", "dispute": "payment.disputed"}),
    "node.health_changed": _node_health,
    "node.drained": _node_drained,
}

# The EventBridge detail-types whose events can become public: the rule of every consumer of
# public events (webhooks, event feed, notifications) matches these (infra/template.yaml; a
# contract test keeps the two equal).
INTERNAL_SOURCE_TYPES: tuple[str, ...] = tuple(sorted(_MAPPERS))


def public_event(envelope: Mapping[str, Any]) -> PublicEvent | None:
    """The public event an internal CloudEvents envelope stands for, or None when it is internal
    only. Pure and deterministic: every consumer maps the same envelope to the same event."""
    mapper = _MAPPERS.get(str(envelope.get("type")))
    if mapper is None:
        return None
    mapped = mapper(envelope)
    if mapped is None:
        return None
    public_type, org_id, data = mapped
    return PublicEvent(
        id=str(envelope["id"]),
        type=public_type,
        timestamp=str(envelope["time"]),
        org_id=org_id if isinstance(org_id, str) else None,
        subject=str(envelope.get("subject", "")),
        data=data,
    )
