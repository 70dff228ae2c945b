"""Optimistic concurrency: read, decide, write on condition, and on a lost race read again."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chalicelib.core import errors

T = TypeVar("T")


def retry_on_conflict(attempt: Callable[[], T], *, rounds: int = 5) -> T:
    """Run ``attempt`` until it does not lose a race, at most ``rounds`` times.

    ``attempt`` reads what it decides on and commits a write conditional on it; when another
    writer got there first the commit raises ``ConcurrentUpdateError`` and the next round reads
    the new state. The last round's conflict reaches the caller (409 CONCURRENT_UPDATE): under that
    much contention a client retry is cheaper than holding the request. Refinements of the error
    that are answers rather than races (``LedgerEntryExists`` and the like) are not retried: they
    are other classes, so they pass straight through.
    """
    for round_ in range(rounds):
        try:
            return attempt()
        except errors.ConcurrentUpdateError as exc:
            if type(exc) is not errors.ConcurrentUpdateError or round_ == rounds - 1:
                raise
    raise AssertionError("unreachable: the last round returns or raises")
