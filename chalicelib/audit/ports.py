"""What reading the audit trail needs from storage (records are written by each context's unit of work)."""

from __future__ import annotations

from typing import Protocol

from chalicelib.audit.models import AuditQuery
from chalicelib.core.page import Page


class AuditTrail(Protocol):
    def list(self, query: AuditQuery, limit: int, cursor: str | None) -> Page:
        """Records newest first: one org's (``query.org_id``) or every org's (None), filtered by actor,
        action, target and time bounds (inclusive; a bare date covers the whole day)."""
        ...
