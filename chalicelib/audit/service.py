"""Reading the audit trail: a member reads their own org's, an operator reads the platform's.

Writing is not here: every privileged change writes its record in its own unit of work (see
``chalicelib.audit.models.record``), so a record exists exactly when its change committed.
"""

from __future__ import annotations

from dataclasses import replace

from chalicelib.audit.models import AuditQuery
from chalicelib.audit.ports import AuditTrail
from chalicelib.core.page import Page


class AuditService:
    def __init__(self, trail: AuditTrail) -> None:
        self._trail = trail

    def org_trail(self, org_id: str, query: AuditQuery, limit: int, cursor: str | None) -> Page:
        """The org's own records; whatever org the query names, only ``org_id``'s are read."""
        return self._trail.list(replace(query, org_id=org_id), limit, cursor)

    def platform_trail(self, query: AuditQuery, limit: int, cursor: str | None) -> Page:
        """Every org's records (operators), or one org's when the query names it."""
        return self._trail.list(query, limit, cursor)
