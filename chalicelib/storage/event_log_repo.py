"""DynamoDB side of the event history: one item per (subject, time, event id)."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import PutError

from chalicelib.eventlog.models import HistoryPage
from chalicelib.storage import keys
from chalicelib.storage.pagination import decode_cursor, encode_cursor, query_page
from chalicelib.storage.table import EventLogItem, TableItem, bind_table


class DynamoEventLog:
    def __init__(self) -> None:
        bind_table()

    def append(self, envelope: dict[str, Any]) -> bool:
        pk, sk = keys.event_log(envelope["subject"], envelope["time"], envelope["id"])
        item = EventLogItem(
            PK=pk,
            SK=sk,
            GSI2PK=keys.ALL_EVENTS_PARTITION,
            GSI2SK=keys.all_events_sort_key(envelope["time"], envelope["id"]),
            event_id=envelope["id"],
            event_type=envelope["type"],
            envelope=envelope,
        )
        try:
            item.save(condition=EventLogItem.PK.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def history(self, subject: str, limit: int, cursor: str | None) -> HistoryPage:
        partition = keys.event_log_partition(subject)
        start = decode_cursor(cursor, key_attributes=("PK", "SK"), partition=("PK", partition))
        items, last = query_page(TableItem.query, partition, limit=limit, start_key=start)
        return HistoryPage([i.envelope for i in items if isinstance(i, EventLogItem)], encode_cursor(last))
