"""What every context's in-memory unit of work shares: DynamoDB's all-or-nothing commit.

A fake unit of work collects its writes as operations (``("kind", ...)`` tuples). ``commit()``
applies them, under the store's lock, to a scratch copy of the store, and keeps the copy only if
every write held: a failed condition raises the domain error the DynamoDB adapter raises and leaves
no trace, as does a unit of work that never commits. As in chalicelib.storage.unit_of_work, a unit
of work commits once, and one without writes sends no transaction.
"""

from __future__ import annotations

import copy
import threading
from typing import Any, Generic, TypeVar

from chalicelib.audit.models import AuditRecord
from chalicelib.core.events import DomainEvent


class FakeStore:
    """A context's in-memory items: its fields, the ``outbox`` and ``audit`` its units of work
    append to, the count of ``transactions`` committed, and the lock a commit holds."""

    outbox: list[DomainEvent]
    audit: list[AuditRecord]
    transactions: int
    lock: threading.Lock

    def __post_init__(self) -> None:
        self.lock = threading.Lock()

    def state(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k != "lock"}


S = TypeVar("S", bound=FakeStore)
Op = tuple[Any, ...]


class FakeUnitOfWorkBase(Generic[S]):
    def __init__(self, store: S) -> None:
        self.s = store
        self.ops: list[Op] = []
        self.committed = False

    def emit(self, event: DomainEvent) -> None:
        self.ops.append(("event", event))

    def audit(self, entry: AuditRecord) -> None:
        self.ops.append(("audit", entry))

    def commit(self) -> None:
        if self.committed:
            raise RuntimeError("A unit of work commits once")
        if not self.ops:
            return
        with self.s.lock:
            scratch = copy.copy(self.s)
            vars(scratch).update(copy.deepcopy(self.s.state()))
            for op in self.ops:
                if op[0] == "event":
                    scratch.outbox.append(op[1])
                elif op[0] == "audit":
                    scratch.audit.append(op[1])
                else:
                    self._apply(scratch, op)  # raises before anything reaches the store
            scratch.transactions += 1
            vars(self.s).update(scratch.state())
        self.committed = True

    def _apply(self, s: S, op: Op) -> None:
        """Apply one write to the scratch store ``s``, or raise the domain error its condition maps to."""
        raise AssertionError(f"unknown write {op[0]}")
