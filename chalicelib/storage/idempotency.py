"""Powertools idempotency records, kept in the single table.

Powertools' DynamoDB layer puts every record of a composite-key table under one static
partition key; at API scale that is a hot partition. Here each record gets its own partition
(PK = the idempotency key, which Powertools prefixes with ``key_prefix``), the TTL attribute is
the table's ``ttl``, and the record carries ``type`` so it is recognisable in the stream.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from chalicelib.core.settings import get_settings
from chalicelib.storage import keys


class TablePersistenceLayer(DynamoDBPersistenceLayer):
    def _get_key(self, idempotency_key: str) -> dict[str, Any]:
        sort_key = self.sort_key_attr
        if sort_key is None:  # persistence_layer always names SK; a layer without it is a wiring bug
            raise ValueError("the idempotency layer needs the table's sort key")
        return {self.key_attr: {"S": idempotency_key}, sort_key: {"S": keys.IDEMPOTENCY_SORT_KEY}}


@cache
def persistence_layer(purpose: str) -> TablePersistenceLayer:
    """One layer per purpose: Powertools configures a layer once (key path, expiry) and keeps it."""
    settings = get_settings()
    return TablePersistenceLayer(
        table_name=settings.table_name,
        key_attr="PK",
        sort_key_attr="SK",
        expiry_attr="ttl",
    )


_configs: list[Any] = []


def register_lambda_context(context: Any) -> None:
    """Let the once-per-event guards expire an in-progress lock with the invocation's remaining time."""
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        for config in _configs:
            config.register_lambda_context(context)


def once_per_event(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate ``fn(envelope=...)`` so it runs once per CloudEvents id (records kept for the TTL)."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

    config = IdempotencyConfig(
        event_key_jmespath="id",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=get_settings().idempotency_ttl_seconds,
    )
    _configs.append(config)
    # Powertools types the decorator it returns as Any; this is its shape.
    decorator: Callable[[Callable[..., Any]], Callable[..., Any]] = idempotent_function(
        data_keyword_argument="envelope",
        persistence_store=persistence_layer(name),
        config=config,
        key_prefix=keys.idempotency_prefix(name),
    )
    return decorator
