"""Fixed-window rate limits as atomic DynamoDB counters.

One UpdateItem per request: ADD 1 under the condition that the window's count is below the limit.
DynamoDB applies it atomically, so concurrent requests (on any number of Lambdas) never let more
than ``limit`` through in a window. Counters expire with the table's TTL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pynamodb.exceptions import UpdateError

from chalicelib.storage import keys
from chalicelib.storage.table import RateCounterItem, bind_table


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int


class DynamoRateLimiter:
    def __init__(self) -> None:
        bind_table()

    def hit(self, principal: str, route_class: str, *, limit: int, window_seconds: int, now: float) -> RateDecision:
        window_start = int(now // window_seconds) * window_seconds
        reset = max(1, int(window_start + window_seconds - now + 0.999))
        pk, sk = keys.rate_counter(principal, route_class, window_start)
        item = RateCounterItem(PK=pk, SK=sk)
        try:
            item.update(
                actions=[
                    RateCounterItem.type.set(RateCounterItem),  # the discriminator, as a put would write it
                    RateCounterItem.hits.add(1),
                    RateCounterItem.ttl.set(datetime.fromtimestamp(window_start + 2 * window_seconds, UTC)),
                ],
                condition=RateCounterItem.hits.does_not_exist() | (RateCounterItem.hits < limit),
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return RateDecision(False, limit, 0, reset)
            raise
        return RateDecision(True, limit, max(0, limit - int(item.hits)), reset)
