"""The audit trail in memory, read as DynamoAuditTrail reads it: newest first, one org's partition
or the platform-wide index, actor/action/target filters and inclusive time bounds (a bare date
covers its whole day), in pages."""

from __future__ import annotations

from typing import Any

from chalicelib.audit.models import AuditQuery
from chalicelib.core.page import Page


class FakeAuditTrail:
    def __init__(self, records: list[dict[str, Any]] | None = None) -> None:
        self.records: list[dict[str, Any]] = list(records or [])

    def list(self, query: AuditQuery, limit: int, cursor: str | None) -> Page:
        def keep(r: dict[str, Any]) -> bool:
            return (
                (query.org_id is None or r["org_id"] == query.org_id)
                and (query.actor is None or r["actor"]["user_id"] == query.actor)
                and (query.action is None or r["action"] == query.action)
                and (query.target is None or r["target"] == query.target)
                and (query.since is None or r["at"] >= query.since)
                and (query.until is None or r["at"] <= query.until + "\uffff")
            )

        chosen = sorted((r for r in self.records if keep(r)), key=lambda r: (r["at"], r["id"]), reverse=True)
        start = int(cursor) if cursor else 0
        nxt = str(start + limit) if start + limit < len(chosen) else None
        return Page(chosen[start : start + limit], nxt)
