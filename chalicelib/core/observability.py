"""Logger, metrics and (lazily) the tracer, shared by the API and every worker.

Every log line is one JSON object written by the Powertools Logger: its own lines and those of the
standard-library loggers under ``chalicelib`` and ``functions`` (services and adapters log with
``logging.getLogger(__name__)``), which share its handler and formatter.

The correlation keys of the work in hand (``request_id``, ``org_id``, ``allocation_id``,
``event_id`` and ``correlation_id``) are bound per thread: the local cloud runs the API and every
worker in one process, so a key bound for one request must not show on another's lines. The API
pipeline binds them per request, ``entrypoint`` per worker invocation, and both clear them after.

Powertools' Tracer imports the X-Ray SDK (about 270 ms of cold start), so it is built at the first
request or invocation that finds tracing switched on (``POWERTOOLS_TRACE_DISABLED=false``, read
through the settings), and never when it is off.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers

from chalicelib.core import errors

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger(service=None, use_rfc3339=True)
# The namespace is normally POWERTOOLS_METRICS_NAMESPACE from the template; the fallback keeps a
# handler imported before its environment is set from failing on its first metric.
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "GPUaaS")

# Registered before the copy, so that it reaches them: every module logger created later under these
# names propagates to them and so writes through the Powertools handler (and nowhere else).
ROUTED_LOGGERS = frozenset({"chalicelib", "functions"})
for _name in ROUTED_LOGGERS:
    logging.getLogger(_name)
copy_config_to_registered_loggers(source_logger=logger, include=set(ROUTED_LOGGERS))

# The keys that tie a line (and a trace) to what it was about; also annotated on traces.
CORRELATION_KEYS = ("correlation_id", "request_id", "org_id", "allocation_id", "event_id")

_cold_start = True

R = TypeVar("R")
E = TypeVar("E")


def append_log_keys(**keys: object) -> None:
    """Put ``keys`` on every line this thread logs until they are cleared (empty values are left out)."""
    present = {key: value for key, value in keys.items() if value is not None and value != ""}
    if present:
        logger.thread_safe_append_keys(**present)


def clear_log_keys() -> None:
    """Forget every key bound in this thread (a new request or invocation starts from none)."""
    logger.thread_safe_clear_keys()


def current_log_keys() -> dict[str, Any]:
    return logger.thread_safe_get_current_keys()


@contextmanager
def bound_log_keys(**keys: object) -> Iterator[None]:
    """Keys for the lines of one unit inside an invocation (one record of a batch), removed after it."""
    append_log_keys(**keys)
    try:
        yield
    finally:
        logger.thread_safe_remove_keys(keys)


def event_log_keys(envelope: Mapping[str, Any]) -> AbstractContextManager[None]:
    """The keys of one consumed CloudEvents envelope: its id is the correlation id, and the org and
    allocation it is about come from its data where it names them."""
    data = envelope.get("data")
    about = data if isinstance(data, Mapping) else {}
    event_id = envelope.get("id")
    return bound_log_keys(
        correlation_id=event_id,
        event_id=event_id,
        event_type=envelope.get("type"),
        org_id=about.get("org_id"),
        allocation_id=about.get("allocation_id"),
    )


@contextmanager
def log_context(**keys: object) -> Iterator[None]:
    """A request or an invocation: its lines carry ``keys`` (and what it binds later), nothing before it."""
    clear_log_keys()
    append_log_keys(**keys)
    try:
        yield
    finally:
        clear_log_keys()


def _take_cold_start() -> bool:
    global _cold_start
    cold, _cold_start = _cold_start, False
    return cold


def entrypoint(handler: Callable[[E, LambdaContext], R]) -> Callable[[E, LambdaContext], R]:
    """A worker's Lambda handler: its lines carry the invocation's keys, a failure is logged as a
    structured line before Lambda sees it, its metrics are flushed, and it is traced when tracing is on."""
    measured: Callable[[E, LambdaContext], R] = metrics.log_metrics(handler)

    @functools.wraps(handler)
    def invoke(event: E, context: LambdaContext) -> R:
        keys = {
            "function_name": getattr(context, "function_name", None),
            "function_request_id": getattr(context, "aws_request_id", None),
            "cold_start": _take_cold_start(),
        }
        with log_context(**keys), traced(handler.__module__):
            try:
                return measured(event, context)
            except errors.AppError as exc:
                # A refusal the caller handles (a state machine's Catch, a retried batch): not a bug.
                logger.warning("invocation failed", extra={"code": exc.code, "error": type(exc).__name__})
                raise
            except Exception:
                logger.exception("invocation failed")
                raise

    return invoke


@cache
def tracer() -> Tracer | None:
    """The Powertools tracer when tracing is switched on, else None (and the X-Ray SDK never loads)."""
    from chalicelib.core.settings import get_settings

    if not get_settings().tracing_enabled:
        return None
    from aws_lambda_powertools import Tracer
    from aws_xray_sdk.core import xray_recorder

    # A call made outside any segment (a poller thread of the local cloud, a script) records nothing
    # instead of raising or logging an error for each call; on Lambda the runtime's segment is always there.
    xray_recorder.configure(context_missing="IGNORE_ERROR")
    # The settings are the one switch: Powertools would otherwise also turn itself off outside Lambda.
    # Every AWS call (botocore, under pynamodb too) becomes a subsegment. Not httplib: botocore sends
    # through it as well, so each AWS call would be traced twice.
    return Tracer(disabled=False, patch_modules=("botocore",))


@contextmanager
def traced(name: str) -> Iterator[None]:
    """A subsegment ``## name`` around one request or invocation, annotated with its correlation keys
    (those bound by the time it ends). Nothing at all when tracing is off."""
    active = tracer()
    if active is None:
        yield
        return
    from aws_xray_sdk.core import xray_recorder

    # On Lambda the runtime's facade segment is the parent; elsewhere (the local cloud) there is none,
    # so the work gets a segment of its own.
    segment = current_log_keys().get("function_name") or active.service or name
    outer: AbstractContextManager[Any] = (
        xray_recorder.in_segment(segment) if xray_recorder.current_segment() is None else nullcontext()
    )
    with outer, active.provider.in_subsegment(name=f"## {name}") as subsegment:
        try:
            yield
        finally:
            keys = current_log_keys()
            for key in CORRELATION_KEYS:
                if keys.get(key):
                    subsegment.put_annotation(key=key, value=str(keys[key]))
