"""DynamoDB side of the event feed: a head item per feed, entries sorted by sequence number, a
dedupe record per event id (keys.feed_*).

An append is one TransactWriteItems of three puts: the dedupe record (only if absent), the head
moved from n to n + 1 (only if it still holds n) and the entry at n + 1 (only if absent). A
concurrent append that took n + 1 first makes ours fail on the head, and we read the head again;
a redelivered event fails on its dedupe record and appends nothing. Because a number is taken
only by a committed transaction that also writes its entry, the entries are 1, 2, 3, ... with no
gap, and entry n + 1 exists only after entry n committed: a reader that queries strongly
consistently past its cursor never skips an entry that is still to commit.
"""

from __future__ import annotations

import random
import time
from datetime import datetime

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.core import errors
from chalicelib.core.public_events import PublicEvent
from chalicelib.feed.models import FeedEntry
from chalicelib.storage import keys
from chalicelib.storage.table import FeedDedupeItem, FeedEntryItem, FeedHeadItem, TableItem, bind_table, get_item

# Appends to one feed are serialised by its head: under contention an append reads the head again
# this many times (with a short jittered pause) before the message is left to be delivered again.
_APPEND_ROUNDS = 60
# A read examines at most this many entries (filtered ones included) before it answers.
_READ_EXAMINE_MAX = 500


class DynamoEventFeed:
    def __init__(self) -> None:
        bind_table()

    def append(self, feed: str, event: PublicEvent, expires_at: datetime) -> int | None:
        for attempt in range(_APPEND_ROUNDS):
            head = get_item(FeedHeadItem, keys.feed_head(feed), consistent=True)
            last = int(head.seq) if head is not None else 0
            outcome = self._try_append(feed, event, expires_at, last)
            if outcome != "head_moved":
                return None if outcome == "duplicate" else last + 1
            time.sleep(random.uniform(0.001, 0.004) * min(attempt + 1, 8))  # noqa: S311 - jitter, not crypto
        raise errors.ConcurrentUpdateError("The feed is too busy to append now; the event is delivered again")

    @staticmethod
    def _try_append(feed: str, event: PublicEvent, expires_at: datetime, last: int) -> str:
        seq = last + 1
        dpk, dsk = keys.feed_dedupe(event.id)
        hpk, hsk = keys.feed_head(feed)
        epk, esk = keys.feed_entry(feed, seq)
        dedupe = FeedDedupeItem(PK=dpk, SK=dsk, feed=feed, seq=seq, ttl=expires_at)
        moved = FeedHeadItem(PK=hpk, SK=hsk, seq=seq)
        entry = FeedEntryItem(
            PK=epk, SK=esk, seq=seq, event_id=event.id, event_type=event.type, body=event.payload(), ttl=expires_at
        )
        head_condition = FeedHeadItem.seq == last if last else FeedHeadItem.PK.does_not_exist()
        connection = bind_table()._get_connection().connection
        try:
            # All puts: pynamodb sends them, and DynamoDB reports their reasons, in this order.
            with TransactWrite(connection=connection) as tx:
                tx.save(dedupe, condition=FeedDedupeItem.PK.does_not_exist())
                tx.save(moved, condition=head_condition)
                tx.save(entry, condition=FeedEntryItem.PK.does_not_exist())
        except TransactWriteError as exc:
            codes = [r.code if r else None for r in (exc.cancellation_reasons or [])]
            if codes and codes[0] == "ConditionalCheckFailed":
                return "duplicate"
            if "ConditionalCheckFailed" in codes or "TransactionConflict" in codes:
                return "head_moved"
            raise
        return "appended"

    def read(self, feed: str, after: int, types: frozenset[str] | None, limit: int) -> tuple[list[FeedEntry], int]:
        _, start = keys.feed_entry(feed, after)
        _, end = keys.feed_entry(feed, 10**16 - 1)
        found: list[FeedEntry] = []
        position = after
        examined = 0
        # Strongly consistent: an entry visible to this query implies every earlier one is too.
        for item in TableItem.query(
            keys.feed_partition(feed),
            TableItem.SK.between(start, end),
            consistent_read=True,
            page_size=min(100, max(limit, 25)),
        ):
            if not isinstance(item, FeedEntryItem) or start == item.SK:
                continue
            examined += 1
            position = int(item.seq)
            if types is None or item.event_type in types:
                found.append(FeedEntry(position, item.event_id, item.event_type, item.body))
            if len(found) >= limit or examined >= _READ_EXAMINE_MAX:
                break
        return found, position
