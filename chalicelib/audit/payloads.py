"""The stored form of an audit record: the trail's document, as the audit API lists it."""

from __future__ import annotations

from typing import Any

from chalicelib.audit.models import AuditRecord


def audit_document(r: AuditRecord) -> dict[str, Any]:
    return {
        "id": r.id,
        "at": r.at,
        "action": r.action,
        "target": r.target,
        "org_id": r.org_id,
        "actor": {
            "user_id": r.actor.user_id,
            "role": r.actor.role,
            "operator": r.actor.operator,
            "via": r.actor.via,
            "api_key_id": r.actor.api_key_id,
        },
        "request_id": r.actor.request_id,
        "before": r.before,
        "after": r.after,
    }
