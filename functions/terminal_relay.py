"""The terminal gateway's Lambdas (doc/terminal.md): the WebSocket API's ``$connect``, ``$default``
and ``$disconnect`` routes, and the consumer that ends the sessions of allocations leaving ``active``.

The same WebSocket API carries the console's live notifications (doc/webhooks.md, "Notifications"):
a ``$connect`` whose ticket is a stream ticket (``nst_...``) subscribes the connection to its user's
notifications instead of joining a terminal session.

``$connect`` answers a non-2xx status to refuse the upgrade (API Gateway then rejects it with 403);
``$default`` and ``$disconnect`` always answer 200: what they refuse is told to the sender in an
``error`` frame.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from chalicelib import bootstrap
from chalicelib.core import errors
from chalicelib.core.observability import bound_log_keys, entrypoint, event_log_keys, logger, metrics
from chalicelib.notifications.models import is_stream_ticket
from chalicelib.terminal.models import ConnectRequest

processor = BatchProcessor(event_type=EventType.SQS)
_OK = {"statusCode": 200}


def _context(event: dict[str, Any]) -> tuple[str, str]:
    ctx = event.get("requestContext") or {}
    connection_id = str(ctx.get("connectionId") or "")
    return connection_id, str(ctx.get("requestId") or connection_id)


def _bearer(headers: dict[str, Any]) -> str | None:
    value = str({k.lower(): v for k, v in headers.items()}.get("authorization") or "")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def connect_request(event: dict[str, Any]) -> ConnectRequest:
    """The parts of API Gateway's ``$connect`` event the relay decides on."""
    connection_id, request_id = _context(event)
    query = event.get("queryStringParameters") or {}
    return ConnectRequest(
        connection_id=connection_id,
        request_id=request_id,
        ticket=query.get("ticket"),
        session_id=query.get("session"),
        role=query.get("role"),
        bearer=_bearer(event.get("headers") or {}),
    )


@entrypoint
def connect(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = connect_request(event)
    with bound_log_keys(
        connection_id=request.connection_id, request_id=request.request_id, session_id=request.session_id
    ):
        if is_stream_ticket(request.ticket):
            return _subscribe(request.connection_id, str(request.ticket))
        try:
            connection = bootstrap.terminal_service().connect(request)
        except errors.AppError as exc:
            logger.info("terminal connection refused", extra={"code": exc.code, "status": exc.status})
            metrics.add_metric(name="TerminalConnectionsRefused", unit="Count", value=1)
            return {"statusCode": exc.status, "body": json.dumps({"error": {"code": exc.code, "message": exc.message}})}
        logger.info("terminal connected", extra={"session_id": connection.session_id, "side": connection.side})
        metrics.add_metric(name="TerminalConnections", unit="Count", value=1)
        return _OK


def _subscribe(connection_id: str, ticket: str) -> dict[str, Any]:
    try:
        subscriber = bootstrap.notification_service().subscribe(connection_id, ticket)
    except errors.AppError as exc:
        logger.info("notification stream refused", extra={"code": exc.code, "status": exc.status})
        return {"statusCode": exc.status, "body": json.dumps({"error": {"code": exc.code, "message": exc.message}})}
    logger.info("notification stream connected", extra={"user_id": subscriber.user_id})
    metrics.add_metric(name="NotificationSubscribers", unit="Count", value=1)
    return _OK


@entrypoint
def default(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    connection_id, request_id = _context(event)
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(body).decode()
        except (binascii.Error, UnicodeDecodeError):
            body = "\x00"  # not text: the service answers INVALID_FRAME
    with bound_log_keys(connection_id=connection_id, request_id=request_id):
        bootstrap.terminal_service().frame(connection_id, body, request_id)
    metrics.add_metric(name="TerminalFrames", unit="Count", value=1)
    return _OK


@entrypoint
def disconnect(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    connection_id, request_id = _context(event)
    with bound_log_keys(connection_id=connection_id, request_id=request_id):
        bootstrap.terminal_service().disconnect(connection_id)
        # A console's notification stream has no terminal connection item, and the other way round.
        bootstrap.notification_service().disconnect(connection_id)
    metrics.add_metric(name="TerminalDisconnects", unit="Count", value=1)
    return _OK


def allocation_ended_record(record: SQSRecord) -> None:
    """An allocation.releasing/released/failed event (EventBridge -> SQS): end its sessions."""
    message = json.loads(record.body)
    envelope = message.get("detail") if isinstance(message, dict) else None
    if not isinstance(envelope, dict):
        raise ValueError(f"Message {record.message_id} carries no event detail")
    with event_log_keys(envelope):
        closed = bootstrap.terminal_service().close_allocation(str(envelope["subject"]), str(envelope["id"]))
    metrics.add_metric(name="TerminalSessionsClosed", unit="Count", value=closed)


@entrypoint
def allocation_ended(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=allocation_ended_record, processor=processor, context=context
    )
