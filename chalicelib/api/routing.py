"""The API's one request pipeline: request id, auth, body and query validation, idempotency,
and the mapping of every error to the catalog's envelope.

Views are plain functions ``view(ctx, **path_params) -> Reply``; they parse nothing and
catch nothing. Each route declares its action (checked by the policy), its body and query
models (pydantic, unknown fields forbidden), and whether ``Idempotency-Key`` applies.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from chalice.app import Chalice, Request, Response
from pydantic import BaseModel, ValidationError

from chalicelib.audit.models import Actor
from chalicelib.auth.policy import authorize, rate_class, requires_principal
from chalicelib.auth.principal import API_KEY, NODE, Principal
from chalicelib.core import errors, observability
from chalicelib.core.observability import logger, metrics
from chalicelib.core.settings import get_settings

JSON_HEADERS = {"Content-Type": "application/json"}
_IDEMPOTENCY_KEY_MAX = 255


@dataclass(frozen=True, slots=True)
class Reply:
    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    # Body fields only this response carries (a signing secret shown once): an idempotent replay
    # gets the stored body without them, so no secret is ever kept in an idempotency record.
    once: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RequestContext:
    request_id: str
    principal: Principal | None
    body: Any
    query: Any
    headers: dict[str, str]
    # The body exactly as received (webhook signatures are computed over these bytes).
    raw_body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def actor(self) -> Actor:
        """Who the audit trail names for this request (a route that mutates always has a principal)."""
        if self.principal is None:
            raise errors.UnauthenticatedError()
        return self.principal.actor(self.request_id)

    @property
    def me(self) -> Principal:
        if self.principal is None:
            raise errors.UnauthenticatedError()
        return self.principal


@dataclass(frozen=True, slots=True)
class RouteSpec:
    path: str
    method: str
    action: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    idempotent: bool
    summary: str
    # Creating something that costs money must be retry-safe: the client has to send a key.
    idempotency_key_required: bool = False
    # The view reads ctx.raw_body itself (a webhook verifying a signature over the exact bytes).
    takes_raw_body: bool = False


def error_body(code: str, message: str, request_id: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "request_id": request_id}
    if details is not None:
        error["details"] = details
    return {"error": error}


def error_response(exc: errors.AppError, request_id: str, extra_headers: dict[str, str] | None = None) -> Response:
    headers: dict[str, str | list[str]] = {
        **JSON_HEADERS,
        "X-Request-Id": request_id,
        **(extra_headers or {}),
        **exc.headers,
    }
    if exc.status == 503:
        headers.setdefault("Retry-After", "1")  # every 503 says when to come back
    return Response(
        body=json.dumps(error_body(exc.code, exc.message, request_id, exc.details)),
        status_code=exc.status,
        headers=headers,
    )


def _validation_details(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(p) for p in e["loc"]) or "(body)", "problem": e["msg"]}
        for e in exc.errors(include_url=False, include_input=False)
    ]


class Api:
    """Registers routes on a Chalice app through the pipeline, and remembers their specs."""

    def __init__(self, app: Chalice) -> None:
        self.app = app
        self.routes: list[RouteSpec] = []

    def route(
        self,
        path: str,
        *,
        method: str,
        action: str,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        idempotent: bool = False,
        idempotency_key_required: bool = False,
        takes_raw_body: bool = False,
        summary: str = "",
    ) -> Callable[[Callable[..., Reply]], Callable[..., Reply]]:
        def register(view: Callable[..., Reply]) -> Callable[..., Reply]:
            spec = RouteSpec(
                path,
                method,
                action,
                body,
                query,
                idempotent or idempotency_key_required,
                summary or (view.__doc__ or ""),
                idempotency_key_required,
                takes_raw_body,
            )
            self.routes.append(spec)

            def handler(**params: str) -> Response:
                return self._handle(spec, view, params)

            handler.__name__ = view.__name__
            # content_types */* lets every request reach the pipeline, which answers a wrong
            # media type with the catalog's 415 instead of Chalice's own error shape.
            self.app.route(path, methods=[method], content_types=["*/*"], name=view.__name__)(handler)
            return view

        return register

    # The pipeline ---------------------------------------------------------------------------

    def _handle(self, spec: RouteSpec, view: Callable[..., Reply], params: dict[str, str]) -> Response:
        request = self.app.current_request
        if request is None:  # Chalice sets it before calling a view; without it there is no request
            raise RuntimeError("no current request")
        request_id = str((request.context or {}).get("requestId") or uuid.uuid4())
        route = f"{spec.method} {spec.path}"
        # Path ids (allocation_id, node_id, command_id, ...) name what the request is about.
        path_ids = {name: value for name, value in params.items() if name.endswith("_id")}
        with (
            observability.log_context(correlation_id=request_id, request_id=request_id, route=route, **path_ids),
            observability.traced(route),
        ):
            return self._pipeline(spec, view, params, request, request_id)

    def _pipeline(
        self, spec: RouteSpec, view: Callable[..., Reply], params: dict[str, str], request: Request, request_id: str
    ) -> Response:
        rate_headers: dict[str, str] = {}
        try:
            headers = {k.lower(): v for k, v in request.headers.items()}
            principal = self._principal(spec, headers)
            if principal is not None:
                observability.append_log_keys(
                    org_id=principal.org_id, node_id=principal.user_id if principal.via == NODE else None
                )
            authorize(principal, spec.action)
            rate_headers = self._spend_rate_budget(spec, principal, request)
            body = self._parse_body(spec, request)
            query = self._parse_query(spec, request.query_params)
            ctx = RequestContext(request_id, principal, body, query, headers, _raw_body(request))
            if spec.idempotency_key_required and headers.get("idempotency-key") is None:
                raise errors.InvalidIdempotencyKeyError("This request needs an Idempotency-Key header")
            if spec.idempotent and headers.get("idempotency-key") is not None:
                reply = self._idempotent(spec, ctx, view, params)
            else:
                reply = _as_dict(view(ctx, **params))
        except errors.AppError as exc:
            if exc.status >= 500:
                logger.error("request failed", extra={"code": exc.code})
            else:
                logger.info("request refused", extra={"code": exc.code, "status": exc.status})
            return error_response(exc, request_id, rate_headers)
        except Exception as exc:
            if _is_transient(exc):
                # DynamoDB or another dependency throttled us or could not be reached: the request
                # can be retried as it is, so say so instead of blaming the client or hiding it in a 500.
                logger.warning("dependency unavailable", extra={"error": repr(exc)})
                metrics.add_metric(name="DependencyUnavailable", unit="Count", value=1)
                unavailable = errors.ServiceUnavailableError(headers={"Retry-After": "1"})
                return error_response(unavailable, request_id, rate_headers)
            logger.exception("unhandled error")
            metrics.add_metric(name="UnhandledErrors", unit="Count", value=1)
            return error_response(errors.AppError(), request_id)
        body = reply["body"]
        return Response(
            # A str body is already rendered (CSV exports name their own Content-Type).
            body=body if isinstance(body, str) else json.dumps(body) if body is not None else "",
            status_code=reply["status"],
            headers={**JSON_HEADERS, "X-Request-Id": request_id, **rate_headers, **reply["headers"]},
        )

    @staticmethod
    def _principal(spec: RouteSpec, headers: dict[str, str]) -> Principal | None:
        if not requires_principal(spec.action):
            return None
        from chalicelib import bootstrap
        from chalicelib.auth.tokens import bearer_token

        token = bearer_token(headers.get("authorization"))
        if token.startswith("gpn_"):
            return Principal.node(bootstrap.fleet_service().authenticate_node(token).node_id)
        if token.startswith("gpk_"):
            key, _ = bootstrap.identity_service().authenticate_api_key(token)
            return Principal(
                user_id=key.created_by,
                org_id=key.org_id,
                role=key.role,
                operator=False,
                via=API_KEY,
                api_key_id=key.id,
                scopes=key.scopes,
            )
        return bootstrap.session_tokens().verify(token)

    @staticmethod
    def _spend_rate_budget(spec: RouteSpec, principal: Principal | None, request: Request) -> dict[str, str]:
        """Spend one unit of the caller's budget for this route class; a 429 when it is gone."""
        from chalicelib import bootstrap

        route_class = rate_class(spec.action, principal)
        if route_class is None:
            return {}
        settings = get_settings()
        limit = int(settings.rate_limits.get(route_class, 0))
        if limit <= 0:
            return {}
        if principal is not None:
            who = principal.rate_key
        else:
            identity = (request.context or {}).get("identity") or {}
            who = f"ip:{identity.get('sourceIp') or 'unknown'}"
        decision = bootstrap.rate_limiter().hit(
            who, route_class, limit=limit, window_seconds=settings.rate_limit_window_seconds, now=time.time()
        )
        headers = {
            "RateLimit-Limit": str(decision.limit),
            "RateLimit-Remaining": str(decision.remaining),
            "RateLimit-Reset": str(decision.reset_seconds),
        }
        if not decision.allowed:
            raise errors.RateLimitedError(
                f"More than {limit} {route_class} requests in {settings.rate_limit_window_seconds} s",
                headers={"Retry-After": str(decision.reset_seconds)},
            )
        return headers

    @staticmethod
    def _parse_body(spec: RouteSpec, request: Request) -> Any:
        settings = get_settings()
        raw = _raw_body(request)
        if len(raw) > settings.max_body_bytes:
            raise errors.PayloadTooLargeError(f"The body is larger than {settings.max_body_bytes} bytes")
        if spec.takes_raw_body:
            return None
        if spec.body is None:
            if raw.strip() not in (b"", b"{}"):
                raise errors.ValidationFailedError("This route takes no request body")
            return None
        content_type = str(request.headers.get("content-type") or "")
        if raw and content_type.split(";")[0].strip().lower() != "application/json":
            raise errors.UnsupportedMediaTypeError()
        try:
            data = json.loads(raw or b"{}")
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            # RecursionError: nesting deeper than the parser's stack, a malformed body all the same.
            raise errors.MalformedJsonError() from exc
        if not isinstance(data, dict):
            raise errors.ValidationFailedError("The request body must be a JSON object")
        try:
            return parse(event=data, model=spec.body)
        except ValidationError as exc:
            raise errors.ValidationFailedError(details=_validation_details(exc)) from exc

    @staticmethod
    def _parse_query(spec: RouteSpec, query_params: Mapping[str, str] | None) -> Any:
        params = dict(query_params or {})
        if spec.query is None:
            if params:
                raise errors.ValidationFailedError("This route takes no query parameters")
            return None
        try:
            return parse(event=params, model=spec.query)
        except ValidationError as exc:
            raise errors.ValidationFailedError(details=_validation_details(exc)) from exc

    def _idempotent(
        self, spec: RouteSpec, ctx: RequestContext, view: Callable[..., Reply], params: dict[str, str]
    ) -> dict[str, Any]:
        """Run ``view`` once per (principal, route, Idempotency-Key); a retry gets the first answer."""
        from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        from chalicelib.storage import keys
        from chalicelib.storage.idempotency import persistence_layer

        key = ctx.header("idempotency-key") or ""
        if not 1 <= len(key) <= _IDEMPOTENCY_KEY_MAX or not key.isprintable():
            raise errors.InvalidIdempotencyKeyError(f"Use 1 to {_IDEMPOTENCY_KEY_MAX} printable characters")
        principal = ctx.principal
        scope = f"{principal.org_id}:{principal.user_id}" if principal else "anonymous"
        body_json = ctx.body.model_dump(mode="json") if isinstance(ctx.body, BaseModel) else None
        request = {
            "key": f"{scope}|{spec.method} {spec.path}|{json.dumps(params, sort_keys=True)}|{key}",
            "payload": hashlib.sha256(json.dumps(body_json, sort_keys=True).encode()).hexdigest(),
        }
        config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="payload",
            expires_after_seconds=get_settings().idempotency_ttl_seconds,
            raise_on_no_idempotency_key=True,
        )
        # The in-progress lock expires with the Lambda's remaining time, so a crashed attempt
        # does not block the retry for the whole record lifetime.
        lambda_context = getattr(self.app, "lambda_context", None)
        if lambda_context is not None and hasattr(lambda_context, "get_remaining_time_in_millis"):
            config.register_lambda_context(lambda_context)

        fresh: dict[str, Any] = {}

        def run(request: dict[str, Any]) -> dict[str, Any]:
            reply = view(ctx, **params)
            fresh.update(reply.once)
            return _as_dict(reply, with_once=False)

        # Applied as a call, not with @: Powertools types the decorator's result as Any.
        guarded: Callable[..., dict[str, Any]] = idempotent_function(
            run,
            data_keyword_argument="request",
            persistence_store=persistence_layer("api"),
            config=config,
            key_prefix=keys.idempotency_prefix("api"),
        )
        try:
            result = guarded(request=request)
            if fresh and isinstance(result.get("body"), dict):
                result = {**result, "body": {**result["body"], **fresh}}
            return result
        except IdempotencyValidationError as exc:
            raise errors.IdempotencyKeyReusedError() from exc
        except IdempotencyAlreadyInProgressError as exc:
            raise errors.IdempotencyInProgressError() from exc


_TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionInProgressException",
    }
)


def _is_transient(exc: BaseException) -> bool:
    """True for failures of a dependency that a retry may cure: throttling, 5xx, no connection."""
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as BotoConnectionError

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, BotoConnectionError | HTTPClientError):
            return True
        if isinstance(current, ClientError) and current.response.get("Error", {}).get("Code") in _TRANSIENT_CODES:
            return True
        current = current.__cause__ or current.__context__ or getattr(current, "cause", None)
    return False


def _as_dict(reply: Reply, *, with_once: bool = True) -> dict[str, Any]:
    body = {**reply.body, **reply.once} if with_once and reply.once and isinstance(reply.body, dict) else reply.body
    return {"body": body, "status": reply.status, "headers": dict(reply.headers)}


def _raw_body(request: Request) -> bytes:
    raw = request.raw_body or b""
    return raw.encode() if isinstance(raw, str) else raw
