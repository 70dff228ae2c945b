"""Audit records: who did what to which resource, with the state before and after.

A record is written in the same transaction as the change it describes, so there is no
privileged change without its record and no record of a change that did not happen.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from chalicelib.core.ids import new_id


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, as the audit trail names them."""

    user_id: str
    org_id: str
    role: str
    operator: bool
    request_id: str
    via: str = "session"  # "session" | "api_key" | "system"
    api_key_id: str | None = None

    @classmethod
    def system(cls, request_id: str) -> Actor:
        return cls(
            user_id="system", org_id="platform", role="system", operator=True, request_id=request_id, via="system"
        )


@dataclass(frozen=True, slots=True)
class AuditRecord:
    action: str  # the policy action, e.g. "admin:skus:update", "members:write"
    target: str  # the id of the resource changed
    actor: Actor
    at: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    org_id: str  # whose trail it belongs to: the actor's org, or the org the target belongs to
    id: str = field(default_factory=lambda: new_id("aud"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "action": self.action,
            "target": self.target,
            "org_id": self.org_id,
            "actor": {
                "user_id": self.actor.user_id,
                "role": self.actor.role,
                "operator": self.actor.operator,
                "via": self.actor.via,
                "api_key_id": self.actor.api_key_id,
            },
            "request_id": self.actor.request_id,
            "before": self.before,
            "after": self.after,
        }


def record(
    action: str, target: str, actor: Actor, at: str, *, before: Any = None, after: Any = None, org_id: str | None = None
) -> AuditRecord:
    return AuditRecord(
        action=action,
        target=target,
        actor=actor,
        at=at,
        before=_plain(before),
        after=_plain(after),
        org_id=org_id or actor.org_id,
    )


def _plain(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return value
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return asdict(value)


@dataclass(frozen=True, slots=True)
class AuditQuery:
    org_id: str | None = None
    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: str | None = None
    until: str | None = None
