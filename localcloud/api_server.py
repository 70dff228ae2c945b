"""The Chalice app over HTTP, in front of which this module plays API Gateway (REST).

Built from chalice.local's pieces (LocalGateway: route matching, event building, authorizers) in a
ThreadingHTTPServer so that concurrent requests really run concurrently. Where API Gateway itself
would answer (no route, wrong method, broken HTTP), the answer uses our error envelope, as the
GatewayResponses in infra/template.yaml make API Gateway do. One deliberate difference: a known path
with the wrong method is 405 METHOD_NOT_ALLOWED here, where API Gateway answers 403/404.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger("localcloud.api")
# API Gateway's own payload limit; the app enforces the (smaller) GPUAAS_MAX_BODY_BYTES itself.
API_GATEWAY_MAX_BODY = 10 * 1024 * 1024
_FALLBACK_ERRORS = {
    "ROUTE_NOT_FOUND": (404, "No route matches this method and path"),
    "METHOD_NOT_ALLOWED": (405, "This method is not allowed on this path"),
    "VALIDATION_ERROR": (400, "The request is not valid"),
    "PAYLOAD_TOO_LARGE": (413, "The request body is too large"),
    "UNAUTHENTICATED": (401, "Authentication is required"),
    "FORBIDDEN": (403, "You are not allowed to do this"),
    "INTERNAL_ERROR": (500, "Internal error"),
}


def error_status_and_message(code: str) -> tuple[int, str]:
    """Status and default message from the app's error catalog (fallback while it is not importable)."""
    try:
        from chalicelib.core.errors import CATALOG

        cls = CATALOG[code]
        return cls.status, cls.default_message
    except (ImportError, KeyError):
        return _FALLBACK_ERRORS[code]


def envelope(code: str, request_id: str, message: str | None = None) -> tuple[int, bytes]:
    status, default_message = error_status_and_message(code)
    body = {"error": {"code": code, "message": message or default_message, "request_id": request_id}}
    return status, json.dumps(body).encode()


class _BadRequest(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _chalice_config(project_root: Path, stage: str) -> Any:
    from chalice.config import Config

    config_path = project_root / ".chalice" / "config.json"
    from_disk = json.loads(config_path.read_text()) if config_path.exists() else {}
    return Config(
        chalice_stage=stage if stage in from_disk.get("stages", {}) else "dev",
        user_provided_params={},
        config_from_disk=from_disk,
        default_params={"project_dir": str(project_root)},
    )


def _make_gateway(app: Any, config: Any, stage: str) -> Any:
    from chalice.local import CustomLocalChalice, LocalChalice, LocalGateway

    # Chalice keeps current_request on the app object; LocalChalice makes it thread-local, which is
    # what create_local_server does too. Needed once concurrent requests share the app.
    if not isinstance(app, LocalChalice):
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice

    class Gateway(LocalGateway):
        """Adds what API Gateway puts in the event and chalice.local leaves out (request id, stage)."""

        def _generate_lambda_event(self, method: str, path: str, headers: Any, body: bytes | None) -> Any:
            event = super()._generate_lambda_event(method, path, headers, body)
            context = event["requestContext"]
            context["requestId"] = headers.get("x-local-request-id") or str(uuid.uuid4())
            context["stage"] = stage
            context["domainName"] = headers.get("host", "127.0.0.1")
            context["resourceId"] = "local"
            context["apiId"] = "local"
            return event

    return Gateway(app, config)


class ApiRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "gpuaas-localcloud"
    gateway: Any = None  # set on the subclass the server builds
    app: Any = None

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s - %s", self.address_string(), format % args)

    # -- helpers ----------------------------------------------------------------------------------
    def _send(self, status: int, headers: dict[str, Any], body: bytes | None, request_id: str) -> None:
        self.send_response(status)
        body = body or b""
        lowered = {k.lower() for k in headers}
        if "content-type" not in lowered and body:
            self.send_header("Content-Type", "application/json")
        for name, value in headers.items():
            if name.lower() in ("content-length", "connection", "transfer-encoding"):
                continue
            for item in value if isinstance(value, list) else [value]:
                self.send_header(name, str(item))
        self.send_header("x-amzn-RequestId", request_id)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_error(self, code: str, request_id: str, message: str | None = None, **headers: str) -> None:
        status, body = envelope(code, request_id, message)
        # X-Request-Id as on API Gateway's gateway responses (see infra/template.yaml).
        headers = {"Content-Type": "application/json", "X-Request-Id": request_id, **headers}
        self._send(status, headers, body, request_id)

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        raw = self.headers.get("Content-Length")
        if raw is None:
            return None
        if not raw.strip().isdigit():
            raise _BadRequest("VALIDATION_ERROR", "Content-Length is not a non-negative integer")
        length = int(raw)
        if length > API_GATEWAY_MAX_BODY:
            raise _BadRequest("PAYLOAD_TOO_LARGE", "The request body is too large")
        body = self.rfile.read(length) if length else b""
        if len(body) != length:
            raise _BadRequest("VALIDATION_ERROR", "The request body is shorter than its Content-Length")
        return body or None

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(line, 16)
            except ValueError as exc:
                raise _BadRequest("VALIDATION_ERROR", "Malformed chunked body") from exc
            if size == 0:
                self.rfile.readline(1024)
                return b"".join(chunks)
            total += size
            if total > API_GATEWAY_MAX_BODY:
                raise _BadRequest("PAYLOAD_TOO_LARGE", "The request body is too large")
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)

    # -- dispatch ---------------------------------------------------------------------------------
    def _handle(self) -> None:
        request_id = str(uuid.uuid4())
        try:
            self._dispatch(request_id)
        except _BadRequest as exc:
            self.close_connection = True  # the stream position is unknown after a bad body
            self._send_error(exc.code, request_id, exc.message)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:
            log.exception("local API gateway failed")
            self.close_connection = True
            self._send_error("INTERNAL_ERROR", request_id)

    def _dispatch(self, request_id: str) -> None:
        from chalice.local import LocalGatewayException

        body = self._read_body()
        # http.server decodes the request line as latin-1: anything outside ASCII was not URL-encoded.
        try:
            self.path.encode("ascii")
        except UnicodeEncodeError as exc:
            raise _BadRequest("VALIDATION_ERROR", "The request path must be URL-encoded ASCII") from exc
        path = urlsplit(self.path).path or "/"
        try:
            route = self.gateway.event_converter._route_matcher.match_route(path).route
        except ValueError:
            self._send_error("ROUTE_NOT_FOUND", request_id)
            return
        methods = self.app.routes[route]
        if self.command not in methods and self.command != "OPTIONS":
            allow = ", ".join(sorted(methods))
            self._send_error("METHOD_NOT_ALLOWED", request_id, Allow=allow)
            return
        headers = dict(self.headers.items())
        headers["x-local-request-id"] = request_id
        try:
            response = self.gateway.handle_request(method=self.command, path=self.path, headers=headers, body=body)
        except LocalGatewayException as exc:
            code = "UNAUTHENTICATED" if exc.CODE == 401 else "FORBIDDEN"
            self._send_error(code, request_id)
            return
        out_headers: dict[str, Any] = dict(response.get("headers") or {})
        out_headers.update(response.get("multiValueHeaders") or {})
        payload = response.get("body")
        if response.get("isBase64Encoded") and payload is not None:
            import base64

            payload = base64.b64decode(payload)
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        self._send(int(response["statusCode"]), out_headers, payload, request_id)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default listen backlog is 5: a burst of concurrent clients gets connection resets.
    request_queue_size = 256


class ApiServer:
    """Serves a Chalice app on ``host:port`` (0 = a free port) in a background thread.

    The socket is bound before the app is attached: the app's settings (the dev OIDC issuer URL)
    depend on the port, so the port must be known before ``app`` is imported.
    """

    def __init__(self, project_root: Path, stage: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self._project_root = project_root
        self._stage = stage

        class BoundApiRequestHandler(ApiRequestHandler):
            """This server's own handler class: its gateway and app are set on it, not on every server's."""

        self._handler = BoundApiRequestHandler
        self._server = _Server((host, port), self._handler)
        self._thread: threading.Thread | None = None

    def attach(self, app: Any) -> None:
        self._handler.gateway = _make_gateway(app, _chalice_config(self._project_root, self._stage), self._stage)
        self._handler.app = app

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, name="localcloud-api", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
