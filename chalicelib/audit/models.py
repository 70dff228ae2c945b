"""Audit records: who did what to which resource, with the state before and after.

A record is written in the same transaction as the change it describes, so there is no
privileged change without its record and no record of a change that did not happen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.core.ids import new_id

# What the trail keeps of a resource before and after a change: plain JSON, built by the changed
# context's audit mapper.
Snapshot = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, as the audit trail names them."""

    user_id: str
    org_id: str
    role: str
    operator: bool
    request_id: str
    via: str = "session"  # "session" | "api_key" | "system" | "node"
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
    before: Snapshot | None
    after: Snapshot | None
    org_id: str  # whose trail it belongs to: the actor's org, or the org the target belongs to
    id: str = field(default_factory=lambda: new_id("aud"))


def record(
    action: str,
    target: str,
    actor: Actor,
    at: str,
    *,
    before: Snapshot | None = None,
    after: Snapshot | None = None,
    org_id: str | None = None,
) -> AuditRecord:
    """The audit record of one change; ``before`` and ``after`` are the audit snapshots the
    changed context's ``payloads`` module builds."""
    return AuditRecord(
        action=action,
        target=target,
        actor=actor,
        at=at,
        before=before,
        after=after,
        org_id=org_id or actor.org_id,
    )


@dataclass(frozen=True, slots=True)
class AuditQuery:
    org_id: str | None = None
    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: str | None = None
    until: str | None = None
