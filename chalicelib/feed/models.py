"""Event feed domain: feeds, their entries and the opaque cursor that follows one.

A feed is an org's (its id) or the platform's (``platform``: the operator events). Each entry has
a sequence number, 1, 2, 3, ... with no gap, given out in the same transaction that stores the
entry, so a reader that has seen entry n has seen every entry before it, and a cursor is just the
last sequence number read.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from chalicelib.core import errors

PLATFORM_FEED = "platform"
_MAX_CURSOR_CHARS = 512


@dataclass(frozen=True, slots=True)
class FeedEntry:
    seq: int
    event_id: str
    type: str
    body: dict[str, Any]  # PublicEvent.payload(): what a webhook delivery of it carries


@dataclass(frozen=True, slots=True)
class FeedPage:
    events: list[dict[str, Any]]
    next_cursor: str  # always set: where the next read starts, even when nothing was new


@dataclass(frozen=True, slots=True)
class FeedLimits:
    retention_seconds: int  # entries (and their dedupe records) expire by TTL after this
    wait_max_seconds: int  # the longest long-poll (below API Gateway's 29 s)
    poll_seconds: float  # how often a waiting read looks again


def encode_cursor(feed: str, seq: int) -> str:
    raw = json.dumps({"f": feed, "s": seq}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, feed: str) -> int:
    """The sequence number a cursor of ``feed`` stands at; INVALID_CURSOR for anything else
    (garbage, or another feed's cursor)."""
    if not cursor or len(cursor) > _MAX_CURSOR_CHARS:
        raise errors.InvalidCursorError()
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise errors.InvalidCursorError() from exc
    if not isinstance(data, dict) or set(data) != {"f", "s"} or data["f"] != feed:
        raise errors.InvalidCursorError()
    seq = data["s"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise errors.InvalidCursorError()
    return seq
