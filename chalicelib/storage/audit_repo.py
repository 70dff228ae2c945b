"""Reading the audit trail: per org (its own partition) or platform-wide (GSI2)."""

from __future__ import annotations

from typing import Any

from pynamodb.expressions.condition import Condition

from chalicelib.audit.models import AuditQuery
from chalicelib.core.page import Page
from chalicelib.storage import keys
from chalicelib.storage.pagination import decode_cursor, encode_cursor, query_page
from chalicelib.storage.table import AuditItem, TableItem, bind_table


class DynamoAuditTrail:
    def __init__(self) -> None:
        bind_table()

    def list(self, query: AuditQuery, limit: int, cursor: str | None) -> Page:
        """Newest first. Time bounds are key conditions; actor/action/target filter in the same request."""
        run_query: Any
        if query.org_id is not None:
            partition, run_query, sort = keys.audit_partition(query.org_id), TableItem.query, TableItem.SK
            start = decode_cursor(cursor, key_attributes=("PK", "SK"), partition=("PK", partition))
        else:
            partition, run_query, sort = keys.PLATFORM_AUDIT_PARTITION, TableItem.gsi2.query, TableItem.GSI2SK
            start = decode_cursor(
                cursor, key_attributes=("PK", "SK", "GSI2PK", "GSI2SK"), partition=("GSI2PK", partition)
            )
        range_condition: Condition | None = None
        if query.since and query.until:
            range_condition = sort.between(query.since, query.until + "\uffff")
        elif query.since:
            range_condition = sort >= query.since
        elif query.until:
            range_condition = sort <= query.until + "\uffff"
        filters: list[Any] = []
        if query.actor:
            filters.append(AuditItem.actor_id == query.actor)
        if query.action:
            filters.append(AuditItem.action == query.action)
        if query.target:
            filters.append(AuditItem.target == query.target)
        filter_condition = None
        for condition in filters:
            filter_condition = condition if filter_condition is None else filter_condition & condition
        items, last = query_page(
            run_query,
            partition,
            range_key_condition=range_condition,
            filter_condition=filter_condition,
            limit=limit,
            start_key=start,
            scan_index_forward=False,
        )
        return Page([i.record for i in items if isinstance(i, AuditItem)], encode_cursor(last))
