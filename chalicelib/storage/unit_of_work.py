"""A unit of work: the writes of one use case plus its outbox events, in one TransactWriteItems.

Every write names the domain error its condition stands for; when DynamoDB cancels the
transaction, the cancellation reasons (one per item, in request order) say which condition
failed and the caller gets that error, with nothing written.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.audit.models import AuditRecord
from chalicelib.audit.payloads import audit_document
from chalicelib.core import errors
from chalicelib.core.clock import Clock
from chalicelib.core.events import DomainEvent, envelope
from chalicelib.core.settings import get_settings
from chalicelib.storage import keys
from chalicelib.storage.table import AuditItem, OutboxItem, bind_table

# DynamoDB's hard limit on items per TransactWriteItems.
MAX_TRANSACTION_ITEMS = 100
# A conflicting transaction in flight cancels ours with TransactionConflict; nothing was
# written, so the same request can be sent again.
_CONFLICT_RETRIES = 3

# pynamodb sends condition checks, then deletes, then puts, then updates; reasons come back
# in that order, so errors are kept in the same order.
_ORDER = ("check", "delete", "put", "update")


@dataclass(slots=True)
class _Write:
    kind: str
    model: Model | type[Model]
    condition: Condition | None
    error: type[errors.AppError] | None
    actions: Sequence[Action] | None = None
    key: tuple[str, str] | None = None


class DynamoUnitOfWork:
    def __init__(self, clock: Clock) -> None:
        bind_table()
        self._clock = clock
        self._writes: list[_Write] = []
        self._committed = False

    # Writes -------------------------------------------------------------------------------

    def put(
        self, item: Model, *, condition: Condition | None = None, error: type[errors.AppError] | None = None
    ) -> None:
        self._writes.append(_Write("put", item, condition, error))

    def update(
        self,
        item: Model,
        actions: Sequence[Action],
        *,
        condition: Condition | None = None,
        error: type[errors.AppError] | None = None,
    ) -> None:
        self._writes.append(_Write("update", item, condition, error, actions=actions))

    def delete(
        self, item: Model, *, condition: Condition | None = None, error: type[errors.AppError] | None = None
    ) -> None:
        self._writes.append(_Write("delete", item, condition, error))

    def check(
        self, model: type[Model], key: tuple[str, str], condition: Condition, error: type[errors.AppError]
    ) -> None:
        self._writes.append(_Write("check", model, condition, error, key=key))

    def emit(self, event: DomainEvent) -> None:
        """Write ``event`` to the outbox with this transaction."""
        self.outbox(event)

    def outbox(self, event: DomainEvent) -> dict[str, Any]:
        """Write ``event`` to the outbox with this transaction; returns its envelope."""
        now = self._clock.now()
        settings = get_settings()
        pk, sk = keys.outbox(event.id)
        wrapped = envelope(event, source_prefix=settings.event_source, time=now)
        item = OutboxItem(
            PK=pk,
            SK=sk,
            event_type=event.type,
            envelope=wrapped,
            ttl=now + timedelta(seconds=settings.outbox_ttl_seconds),
        )
        # An event id is new by construction; the condition turns a replayed commit into an error
        # instead of a silent second publication.
        self.put(item, condition=OutboxItem.PK.does_not_exist(), error=errors.ConcurrentUpdateError)
        return wrapped

    def audit(self, entry: AuditRecord) -> None:
        pk, sk = keys.audit(entry.org_id, entry.at, entry.id)
        item = AuditItem(
            PK=pk,
            SK=sk,
            GSI2PK=keys.PLATFORM_AUDIT_PARTITION,
            GSI2SK=keys.platform_audit_sort_key(entry.at, entry.id),
            action=entry.action,
            target=entry.target,
            actor_id=entry.actor.user_id,
            record=audit_document(entry),
        )
        self.put(item, condition=AuditItem.PK.does_not_exist(), error=errors.ConcurrentUpdateError)

    # Commit -------------------------------------------------------------------------------

    def commit(self) -> None:
        if self._committed:
            raise RuntimeError("A unit of work commits once")
        if not self._writes:
            return
        if len(self._writes) > MAX_TRANSACTION_ITEMS:
            raise errors.ValidationFailedError(
                f"This change needs {len(self._writes)} writes; one transaction holds at most {MAX_TRANSACTION_ITEMS}"
            )
        ordered = sorted(self._writes, key=lambda w: _ORDER.index(w.kind))
        for attempt in range(_CONFLICT_RETRIES + 1):
            try:
                self._send(ordered)
                self._committed = True
                return
            except TransactWriteError as exc:
                reasons = exc.cancellation_reasons or []
                codes = [r.code if r else None for r in reasons]
                for write, code in zip(ordered, codes, strict=False):
                    if code == "ConditionalCheckFailed":
                        raise (write.error or errors.ConcurrentUpdateError)() from exc
                if "TransactionConflict" in codes and attempt < _CONFLICT_RETRIES:
                    time.sleep(random.uniform(0.005, 0.02) * (attempt + 1))  # noqa: S311 - jitter, not crypto
                    continue
                if "TransactionConflict" in codes:
                    raise errors.ConcurrentUpdateError() from exc
                raise

    def _send(self, ordered: list[_Write]) -> None:
        # The table's own connection: one botocore client per process, not one per commit.
        connection = bind_table()._get_connection().connection
        with TransactWrite(connection=connection) as tx:
            for w in ordered:
                model = w.model
                if isinstance(model, type):  # a condition check names the model class and a key
                    hash_key, range_key = w.key or ("", "")
                    tx.condition_check(model, hash_key, range_key, condition=w.condition)
                elif w.kind == "put":
                    tx.save(model, condition=w.condition)
                elif w.kind == "update":
                    tx.update(model, list(w.actions or []), condition=w.condition, add_version_condition=False)
                else:
                    tx.delete(model, condition=w.condition, add_version_condition=False)
