"""Opaque cursors over DynamoDB's LastEvaluatedKey.

A cursor is base64url(JSON) of the key DynamoDB returned. Before it becomes an
ExclusiveStartKey it is checked to hold exactly the key attributes of the index being read and
to stay inside the partition being queried, so a forged cursor is a 400, never a 500 and
never a read of another partition.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from chalicelib.core import errors

_MAX_CURSOR_CHARS = 2048


def encode_cursor(last_evaluated_key: dict[str, Any] | None) -> str | None:
    if not last_evaluated_key:
        return None
    flat = {name: value["S"] if isinstance(value, dict) else value for name, value in last_evaluated_key.items()}
    raw = json.dumps(flat, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(
    cursor: str | None, *, key_attributes: tuple[str, ...], partition: tuple[str, str] | None = None
) -> dict[str, Any] | None:
    """The ExclusiveStartKey (pynamodb form: attribute -> {"S": value}) for ``cursor``."""
    if cursor is None:
        return None
    if not cursor or len(cursor) > _MAX_CURSOR_CHARS:
        raise errors.InvalidCursorError()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise errors.InvalidCursorError() from exc
    if (
        not isinstance(data, dict)
        or set(data) != set(key_attributes)
        or not all(isinstance(v, str) and v for v in data.values())
    ):
        raise errors.InvalidCursorError()
    if partition is not None and data.get(partition[0]) != partition[1]:
        raise errors.InvalidCursorError()
    return {name: {"S": value} for name, value in data.items()}


def query_page(
    query: Any,
    hash_key: str,
    *,
    limit: int,
    start_key: dict[str, Any] | None,
    range_key_condition: Any = None,
    filter_condition: Any = None,
    scan_index_forward: bool = True,
) -> tuple[list[Any], dict[str, Any] | None]:
    """Exactly one Query request: up to ``limit`` items read, then filtered server-side.

    A filtered page can hold fewer than ``limit`` items and still have a next cursor; that is
    the price of one request per page, and clients follow ``next_cursor`` until it is null.
    """
    from chalicelib.storage.table import TableItem

    results = query(
        hash_key,
        range_key_condition=range_key_condition,
        filter_condition=filter_condition,
        page_size=limit,
        last_evaluated_key=start_key,
        scan_index_forward=scan_index_forward,
    )
    page = next(results.page_iter)
    items = [TableItem.from_raw_data(raw) for raw in page.get("Items", [])]
    return items, page.get("LastEvaluatedKey")
