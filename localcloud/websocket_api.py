"""An API Gateway WebSocket API of the template, served by a real WebSocket server.

What API Gateway does, and so what this does:

- each connection gets a ``connectionId``; the upgrade waits for the ``$connect`` route's function,
  called with API Gateway's event (``headers``, ``queryStringParameters``, ``requestContext``), and
  is refused with HTTP 403 when it answers a status outside 2xx (500 when it raises);
- every message is one invocation of the route the ``RouteSelectionExpression`` picks (``$default``
  when none matches), in order per connection; ``$disconnect`` follows the end of a connection,
  whoever ended it;
- the ``@connections`` management API (``POST`` = PostToConnection, ``DELETE`` = DeleteConnection,
  ``GET`` = GetConnection on ``/{stage}/@connections/{connectionId}``) is served over HTTP on a port
  of its own, for boto3's ``apigatewaymanagementapi`` client with that ``endpoint_url``; a
  connection that is not (or not yet, during ``$connect``) open answers 410 ``GoneException``;
- the service's limits: frames of at most 32 KB and messages of at most 128 KB (a larger one closes
  the connection with 1009, as API Gateway does), PostToConnection data of at most 128 KB (413), a
  connection idle for 10 minutes or open for 2 hours is closed with 1001 ("going away").

Not emulated: request signing of the management API (any caller may use it), custom route
responses, authorizers and API Gateway's own throttling.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from localcloud.lambda_runtime import FunctionError, LambdaRuntime
from localcloud.template import WebSocketApiSpec

log = logging.getLogger("localcloud.websocket")

FRAME_MAX_BYTES = 32 * 1024
MESSAGE_MAX_BYTES = 128 * 1024
IDLE_TIMEOUT_SECONDS = 10 * 60
MAX_CONNECTION_SECONDS = 2 * 3600
GOING_AWAY = 1001


def _new_connection_id() -> str:
    # API Gateway's ids look like "L0SM9cOFvHcCIhw=": 10 random bytes, base64.
    return base64.urlsafe_b64encode(os.urandom(10)).decode()


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class _Live:
    connection: Any
    connection_id: str
    connected_at: float
    source_ip: str
    user_agent: str
    headers: dict[str, str]
    last_active: float = field(default_factory=time.time)


class WebSocketApi:
    def __init__(
        self,
        spec: WebSocketApiSpec,
        runtime: LambdaRuntime,
        *,
        region: str,
        api_id: str,
        host: str = "127.0.0.1",
        port: int = 0,
        management_port: int = 0,
        frame_max_bytes: int = FRAME_MAX_BYTES,
        message_max_bytes: int = MESSAGE_MAX_BYTES,
        idle_timeout: float = IDLE_TIMEOUT_SECONDS,
        max_connection_seconds: float = MAX_CONNECTION_SECONDS,
    ) -> None:
        """``port`` / ``management_port`` 0 pick free ports. The limits default to API Gateway's."""
        from websockets.sync.server import serve

        self.spec = spec
        self.region = region
        self.api_id = api_id
        self._runtime = runtime
        self.frame_max_bytes = frame_max_bytes
        self.message_max_bytes = message_max_bytes
        self.idle_timeout = idle_timeout
        self.max_connection_seconds = max_connection_seconds
        self._live: dict[str, _Live] = {}
        self._handshaking: dict[int, _Live] = {}
        self._lock = threading.Lock()
        self._server = serve(
            self._handle,
            host,
            port,
            process_request=self._process_request,
            max_size=(message_max_bytes, frame_max_bytes),
            # API Gateway sends no pings of its own; clients keep connections alive.
            ping_interval=None,
            compression=None,
        )
        self.port = int(self._server.socket.getsockname()[1])
        self._management = ThreadingHTTPServer((host, management_port), _management_handler(self))
        self._management.daemon_threads = True
        self.management_port = int(self._management.server_address[1])
        self.host = host
        self._threads: list[threading.Thread] = []

    # -- addresses ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """What clients dial (``wss://{api}.execute-api.{region}.amazonaws.com/{stage}`` on AWS)."""
        return f"ws://{self.host}:{self.port}/{self.spec.stage_name}"

    @property
    def management_url(self) -> str:
        """The @connections endpoint (``https://{api}.execute-api.{region}.amazonaws.com/{stage}`` on AWS)."""
        return f"http://{self.host}:{self.management_port}/{self.spec.stage_name}"

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> WebSocketApi:
        for name, target in (("ws", self._server.serve_forever), ("ws-manage", self._management.serve_forever)):
            thread = threading.Thread(target=target, name=f"{self.spec.logical_id}-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self.close_all()
        self._server.shutdown()
        self._management.shutdown()
        self._management.server_close()
        for thread in self._threads:
            thread.join(timeout=10)
        self._threads.clear()

    def close_all(self, code: int = GOING_AWAY, reason: str = "Going away") -> None:
        """End every connection (each gets its ``$disconnect``)."""
        with self._lock:
            live = list(self._live.values())
        for entry in live:
            entry.connection.close(code, reason)

    def connection_ids(self) -> list[str]:
        with self._lock:
            return list(self._live)

    # -- events ---------------------------------------------------------------------------------
    def _request_context(self, entry: _Live, route_key: str, event_type: str) -> dict[str, Any]:
        now = time.time()
        return {
            "routeKey": route_key,
            "eventType": event_type,
            "extendedRequestId": str(uuid.uuid4()),
            "requestTime": datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "messageDirection": "IN",
            "stage": self.spec.stage_name,
            "connectedAt": int(entry.connected_at * 1000),
            "requestTimeEpoch": int(now * 1000),
            "identity": {"sourceIp": entry.source_ip, "userAgent": entry.user_agent},
            "requestId": str(uuid.uuid4()),
            "domainName": f"{self.host}:{self.port}",
            "connectionId": entry.connection_id,
            "apiId": self.api_id,
        }

    def _invoke(self, route_key: str, event: dict[str, Any]) -> Any:
        function_id = self.spec.routes.get(route_key)
        if function_id is None:
            return {"statusCode": 200}
        return self._runtime.invoke(function_id, event)

    def _process_request(self, connection: Any, request: Any) -> Any:
        """The upgrade request: ``$connect`` decides whether it is accepted."""
        parts = urlsplit(request.path)
        if parts.path.rstrip("/") != f"/{self.spec.stage_name}":
            return connection.respond(403, "Forbidden")
        headers: dict[str, str] = {}
        multi_headers: dict[str, list[str]] = {}
        for name, value in request.headers.raw_items():
            headers[name] = value
            multi_headers.setdefault(name, []).append(value)
        query = parse_qs(parts.query, keep_blank_values=True)
        peer = connection.remote_address
        entry = _Live(
            connection=connection,
            connection_id=_new_connection_id(),
            connected_at=time.time(),
            source_ip=str(peer[0]) if peer else "127.0.0.1",
            user_agent=headers.get("User-Agent", ""),
            headers=headers,
        )
        event: dict[str, Any] = {
            "headers": headers,
            "multiValueHeaders": multi_headers,
            "requestContext": self._request_context(entry, "$connect", "CONNECT"),
            "isBase64Encoded": False,
        }
        if query:
            event["queryStringParameters"] = {k: v[-1] for k, v in query.items()}
            event["multiValueQueryStringParameters"] = query
        try:
            result = self._invoke("$connect", event)
        except FunctionError as exc:
            log.warning("$connect failed: %s", exc)
            return connection.respond(500, "Internal server error")
        status = int(result.get("statusCode", 200)) if isinstance(result, dict) else 200
        if not 200 <= status < 300:
            return connection.respond(403, "Forbidden")
        with self._lock:
            self._handshaking[id(connection)] = entry
        return None

    def _handle(self, connection: Any) -> None:
        """One open connection: its messages in order, then ``$disconnect``."""
        from websockets.exceptions import ConnectionClosed

        with self._lock:
            entry = self._handshaking.pop(id(connection))
            self._live[entry.connection_id] = entry
        try:
            while True:
                now = time.time()
                timeout = min(
                    entry.last_active + self.idle_timeout - now,
                    entry.connected_at + self.max_connection_seconds - now,
                )
                if timeout <= 0:
                    connection.close(GOING_AWAY, "Going away")
                    break
                try:
                    message = connection.recv(timeout=timeout)
                except TimeoutError:
                    continue  # the limits above decide
                except ConnectionClosed:
                    break
                entry.last_active = time.time()
                self._message(entry, message)
        finally:
            with self._lock:
                self._live.pop(entry.connection_id, None)
            self._disconnected(entry)

    def _route_for(self, body: str) -> str:
        expression = self.spec.route_selection_expression
        if expression.startswith("$request.body."):
            try:
                value: Any = json.loads(body)
                for part in expression.removeprefix("$request.body.").split("."):
                    value = value.get(part) if isinstance(value, dict) else None
            except ValueError:
                value = None
            if isinstance(value, str) and value in self.spec.routes and not value.startswith("$"):
                return value
        return "$default"

    def _message(self, entry: _Live, message: str | bytes) -> None:
        if isinstance(message, bytes):
            body, encoded = base64.b64encode(message).decode(), True
        else:
            body, encoded = message, False
        route_key = self._route_for(body) if not encoded else "$default"
        context = self._request_context(entry, route_key, "MESSAGE")
        context["messageId"] = base64.urlsafe_b64encode(os.urandom(10)).decode()
        event = {"requestContext": context, "body": body, "isBase64Encoded": encoded}
        try:
            self._invoke(route_key, event)
        except FunctionError as exc:
            log.warning("%s failed: %s", route_key, exc)
            # What API Gateway tells the client when the integration fails.
            failure = {"message": "Internal server error", "connectionId": entry.connection_id,
                       "requestId": context["requestId"]}  # fmt: skip
            self.post(entry.connection_id, json.dumps(failure).encode())

    def _disconnected(self, entry: _Live) -> None:
        connection = entry.connection
        event = {
            "headers": entry.headers,
            "multiValueHeaders": {k: [v] for k, v in entry.headers.items()},
            "requestContext": {
                **self._request_context(entry, "$disconnect", "DISCONNECT"),
                "disconnectStatusCode": connection.close_code if connection.close_code is not None else 1006,
                "disconnectReason": connection.close_reason or "",
            },
            "isBase64Encoded": False,
        }
        try:
            self._invoke("$disconnect", event)
        except FunctionError as exc:
            log.warning("$disconnect failed: %s", exc)

    # -- the @connections API -------------------------------------------------------------------
    def post(self, connection_id: str, data: bytes) -> int:
        """PostToConnection: 200, 410 (gone) or 413 (too large)."""
        from websockets.exceptions import ConnectionClosed

        if len(data) > self.message_max_bytes:
            return 413
        with self._lock:
            entry = self._live.get(connection_id)
        if entry is None:
            return 410
        try:
            text = data.decode()
        except UnicodeDecodeError:
            text = None
        try:
            entry.connection.send(text if text is not None else data)
        except ConnectionClosed:
            return 410
        entry.last_active = time.time()
        return 200

    def delete(self, connection_id: str) -> int:
        """DeleteConnection: 204, or 410 when it is gone."""
        with self._lock:
            entry = self._live.get(connection_id)
        if entry is None:
            return 410
        entry.connection.close(1000, "")
        return 204

    def describe(self, connection_id: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._live.get(connection_id)
        if entry is None:
            return None
        # The wire names of GetConnection's answer (boto3 reads them as ConnectedAt, Identity, LastActiveAt).
        return {
            "connectedAt": _iso(entry.connected_at),
            "lastActiveAt": _iso(entry.last_active),
            "identity": {"sourceIp": entry.source_ip, "userAgent": entry.user_agent},
        }


def _management_handler(api: WebSocketApi) -> type[BaseHTTPRequestHandler]:
    prefix = f"/{api.spec.stage_name}/@connections/"

    class ManagementHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("manage: " + format, *args)

        def _connection_id(self) -> str | None:
            path = unquote(urlsplit(self.path).path)
            return path[len(prefix) :] if path.startswith(prefix) and len(path) > len(prefix) else None

        def _answer(self, status: int, body: dict[str, Any] | None = None, error: str | None = None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if error:
                self.send_header("x-amzn-ErrorType", error)
            self.end_headers()
            self.wfile.write(data)

        def _gone(self) -> None:
            self._answer(410, {"message": "Connection is gone"}, "GoneException")

        def do_POST(self) -> None:
            connection_id = self._connection_id()
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if connection_id is None:
                return self._answer(404, {"message": "Not Found"}, "NotFoundException")
            status = api.post(connection_id, data)
            if status == 410:
                return self._gone()
            if status == 413:
                return self._answer(413, {"message": "Payload too large"}, "PayloadTooLargeException")
            return self._answer(200)

        def do_DELETE(self) -> None:
            connection_id = self._connection_id()
            if connection_id is None:
                return self._answer(404, {"message": "Not Found"}, "NotFoundException")
            if api.delete(connection_id) == 410:
                return self._gone()
            return self._answer(204)

        def do_GET(self) -> None:
            connection_id = self._connection_id()
            found = api.describe(connection_id) if connection_id else None
            if found is None:
                return self._gone()
            return self._answer(200, found)

    return ManagementHandler
