"""A typed Python SDK for the GPUaaS REST API (``/v1``, JSON only).

>>> client = Client("http://127.0.0.1:8000", api_key="gpk_...")
>>> client.me().org.name
>>> allocation = client.create_allocation("sku_...", "img_...")
>>> client.wait_until_active(allocation.id, timeout=600).connection.command

Two layers. ``gpuaas_client._api`` is generated from ``doc/openapi.yaml`` (openapi-python-client; ``make sdk``
regenerates it, ``make sdk-check`` fails when it is stale): every operation, its typed parameters, the
request and response models, and the httpx client that sends them. This module is what a generator
cannot know: credentials and the refresh of an expired session, retries that reuse one Idempotency-Key,
pagination iterators, waiters, and one error type. Each request is built by the generated operation and
sent on the generated client's ``httpx.Client``; each answer is the generated model of its schema
(``Sku``, ``Allocation``, ``Balance``, ...), re-exported here under the SDK's names. Timestamps are the
API's strings (``2026-01-31T12:00:00.000Z``), so ``model.to_dict()`` is exactly the JSON the API sent.

Every error the API returns is raised as :class:`ApiError`, built from its error envelope
``{"error": {"code", "message", "request_id", "details"?}}``. Switch on ``code`` (the error catalog's),
never on ``message``. An answer that is not the documented shape is an :class:`ApiError` with the code
``INVALID_RESPONSE``.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, TypeAlias, TypeVar

import httpx

from gpuaas_client._api import Client as GeneratedClient
from gpuaas_client._api.api.admin import admin_list_node_logs as _admin_list_node_logs
from gpuaas_client._api.api.admin import admin_list_platform_events as _admin_list_platform_events
from gpuaas_client._api.api.allocations import create_allocation as _create_allocation
from gpuaas_client._api.api.allocations import get_allocation as _get_allocation
from gpuaas_client._api.api.allocations import get_allocation_ssh as _get_allocation_ssh
from gpuaas_client._api.api.allocations import list_allocation_events as _list_allocation_events
from gpuaas_client._api.api.allocations import list_allocation_logs as _list_allocation_logs
from gpuaas_client._api.api.allocations import list_allocations as _list_allocations
from gpuaas_client._api.api.allocations import open_terminal as _open_terminal
from gpuaas_client._api.api.allocations import release_allocation as _release_allocation
from gpuaas_client._api.api.allocations import set_allocation_ssh_keys as _set_allocation_ssh_keys
from gpuaas_client._api.api.api_keys import create_api_key as _create_api_key
from gpuaas_client._api.api.api_keys import list_api_keys as _list_api_keys
from gpuaas_client._api.api.api_keys import revoke_api_key as _revoke_api_key
from gpuaas_client._api.api.audit import list_audit as _list_audit
from gpuaas_client._api.api.auth import auth_logout as _auth_logout
from gpuaas_client._api.api.auth import auth_logout_all as _auth_logout_all
from gpuaas_client._api.api.auth import auth_token as _auth_token
from gpuaas_client._api.api.auth import me as _me
from gpuaas_client._api.api.billing import create_checkout as _create_checkout
from gpuaas_client._api.api.billing import get_balance as _get_balance
from gpuaas_client._api.api.billing import get_spend_cap as _get_spend_cap
from gpuaas_client._api.api.billing import get_statement as _get_statement
from gpuaas_client._api.api.billing import get_usage as _get_usage
from gpuaas_client._api.api.billing import list_ledger as _list_ledger
from gpuaas_client._api.api.billing import set_spend_cap as _set_spend_cap
from gpuaas_client._api.api.catalog import list_os_images as _list_os_images
from gpuaas_client._api.api.catalog import list_skus as _list_skus
from gpuaas_client._api.api.dev import dev_complete_checkout as _dev_complete_checkout
from gpuaas_client._api.api.dev import dev_token as _dev_token
from gpuaas_client._api.api.events import list_events as _list_events
from gpuaas_client._api.api.members import add_member as _add_member
from gpuaas_client._api.api.members import change_member_role as _change_member_role
from gpuaas_client._api.api.members import list_members as _list_members
from gpuaas_client._api.api.members import remove_member as _remove_member
from gpuaas_client._api.api.notifications import get_notification_preferences as _get_notification_preferences
from gpuaas_client._api.api.notifications import list_notifications as _list_notifications
from gpuaas_client._api.api.notifications import notification_stream_ticket as _notification_stream_ticket
from gpuaas_client._api.api.notifications import put_notification_preferences as _put_notification_preferences
from gpuaas_client._api.api.notifications import read_all_notifications as _read_all_notifications
from gpuaas_client._api.api.notifications import read_notification as _read_notification
from gpuaas_client._api.api.ssh_keys import add_ssh_key as _add_ssh_key
from gpuaas_client._api.api.ssh_keys import delete_ssh_key as _delete_ssh_key
from gpuaas_client._api.api.ssh_keys import list_ssh_keys as _list_ssh_keys
from gpuaas_client._api.api.system import health as _health
from gpuaas_client._api.api.webhooks import create_webhook as _create_webhook
from gpuaas_client._api.api.webhooks import delete_webhook as _delete_webhook
from gpuaas_client._api.api.webhooks import get_webhook as _get_webhook
from gpuaas_client._api.api.webhooks import get_webhook_delivery as _get_webhook_delivery
from gpuaas_client._api.api.webhooks import list_webhook_deliveries as _list_webhook_deliveries
from gpuaas_client._api.api.webhooks import list_webhooks as _list_webhooks
from gpuaas_client._api.api.webhooks import recover_webhook as _recover_webhook
from gpuaas_client._api.api.webhooks import redeliver_webhook_delivery as _redeliver_webhook_delivery
from gpuaas_client._api.api.webhooks import rotate_webhook_secret as _rotate_webhook_secret
from gpuaas_client._api.api.webhooks import test_webhook as _test_webhook
from gpuaas_client._api.api.webhooks import update_webhook as _update_webhook
from gpuaas_client._api.models import (
    AddMemberBody,
    AddSshKeyBody,
    Allocation,
    AllocationPage,
    ApiKey,
    ApiKeyPage,
    AuditPage,
    AuditRecord,
    Balance,
    ChangeRoleBody,
    Checkout,
    CheckoutBody,
    Connection,
    CreateAllocationBody,
    CreateApiKeyBody,
    CreateWebhookBody,
    DevCheckoutCompletion,
    DevSession,
    DevTokenBody,
    EventFeedPage,
    EventPage,
    Health,
    LedgerEntry,
    LedgerPage,
    LogLine,
    LogoutBody,
    LogPage,
    Me,
    Member,
    MemberPage,
    Notification,
    NotificationPage,
    NotificationPreferences,
    NotificationPreferencesBody,
    NotificationPreferencesBodyEmail,
    NotificationsMarked,
    NotificationStreamTicket,
    OpenTerminalBody,
    OsImage,
    OsImagePage,
    PublicEvent,
    Session,
    Sku,
    SkuPage,
    SpendCap,
    SpendCapBody,
    SshKey,
    SshKeyPage,
    SshKeysBody,
    Statement,
    TerminalTicket,
    TokenBody,
    UpdateWebhookBody,
    Usage,
    Webhook,
    WebhookDelivery,
    WebhookDeliveryDetail,
    WebhookDeliveryPage,
    WebhookPage,
    WebhookRecovery,
)
from gpuaas_client._api.models import CloudEvent as AllocationEvent
from gpuaas_client._api.models import NewApiKey as CreatedApiKey
from gpuaas_client._api.models import NewWebhook as CreatedWebhook
from gpuaas_client._api.types import UNSET, Unset

__all__ = [
    "ALLOCATION_STATES",
    "FINAL_ALLOCATION_STATES",
    "ROLES",
    "Allocation",
    "AllocationEvent",
    "AllocationFailed",
    "ApiError",
    "ApiKey",
    "AuditRecord",
    "Balance",
    "Checkout",
    "Client",
    "Connection",
    "CreatedApiKey",
    "CreatedWebhook",
    "DevCheckoutCompletion",
    "DevSession",
    "EventFeed",
    "EventFeedPage",
    "GpuaasError",
    "Health",
    "LedgerEntry",
    "LogLine",
    "LogPage",
    "Me",
    "Member",
    "Notification",
    "NotificationPreferences",
    "OsImage",
    "PublicEvent",
    "Session",
    "Sku",
    "SpendCap",
    "SshKey",
    "Statement",
    "TerminalTicket",
    "Tokens",
    "TransportError",
    "Usage",
    "WaitTimeout",
    "Webhook",
    "WebhookDelivery",
    "WebhookDeliveryDetail",
    "WebhookRecovery",
]

ROLES = ("owner", "admin", "member", "billing", "viewer")
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105 - a grant type name (RFC 8693)
USER_AGENT = "gpuaas-client/0.1.0"

# An allocation is pending -> provisioning -> active -> releasing -> released, or failed (with a reason).
ALLOCATION_STATES = ("pending", "provisioning", "active", "releasing", "released", "failed")
FINAL_ALLOCATION_STATES = ("released", "failed")

# Requests sent with an Idempotency-Key that the SDK retries itself (the same key every time, so the
# API runs them once): seconds to wait before each retry.
RETRY_DELAYS: tuple[float, ...] = (0.2, 0.5, 1.0)
RETRY_STATUSES = frozenset({502, 503, 504})
RETRY_CODES = frozenset({"IDEMPOTENCY_IN_PROGRESS"})

# A session's tokens as the API hands them out (the dev issuer's carry an ID token too).
Tokens: TypeAlias = Session | DevSession

T = TypeVar("T")
M = TypeVar("M")
S = TypeVar("S", Session, DevSession)
Item = TypeVar("Item", covariant=True)
# One request as a generated operation builds it: the keyword arguments of ``httpx.Client.request``.
Request = dict[str, Any]
# A generated model's ``from_dict``: the model of the JSON the API sent.
Parse = Callable[[Mapping[str, Any]], M]


class Page(Protocol[Item]):
    """A generated list page (``SkuPage``, ``AllocationPage``, ...): its items and the cursor of the next."""

    @property
    def items(self) -> Sequence[Item]: ...

    @property
    def next_cursor(self) -> str | None: ...


# Errors -------------------------------------------------------------------------------------


class GpuaasError(Exception):
    """Base class of everything this SDK raises."""


class TransportError(GpuaasError):
    """The API could not be reached (connection refused, DNS, timeout, TLS)."""


class ApiError(GpuaasError):
    """The API answered with an error envelope (or with something that is not JSON)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        request_id: str | None = None,
        details: list[dict[str, Any]] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.details = details
        self.retry_after = retry_after

    @classmethod
    def from_response(cls, response: httpx.Response) -> ApiError:
        request_id = response.headers.get("X-Request-Id")
        retry_after = _retry_after(response.headers.get("Retry-After"))
        try:
            envelope = response.json()
            error = envelope["error"]
            return cls(
                response.status_code,
                str(error["code"]),
                str(error.get("message", "")),
                error.get("request_id") or request_id,
                error.get("details"),
                retry_after,
            )
        except (ValueError, KeyError, TypeError):
            # Not our envelope (a proxy's HTML page, say): keep what can be said about it.
            text = response.text.strip().replace("\n", " ")[:200] or response.reason_phrase or ""
            return cls(response.status_code, f"HTTP_{response.status_code}", text, request_id, None, retry_after)


class WaitTimeout(GpuaasError):
    """:meth:`Client.wait_for_allocation` ran out of time; ``allocation`` is the last one seen."""

    def __init__(self, allocation: Allocation, timeout: float) -> None:
        super().__init__(f"Allocation {allocation.id} is still {allocation.state} after {timeout:g} seconds")
        self.allocation = allocation
        self.timeout = timeout


class AllocationFailed(GpuaasError):
    """:meth:`Client.wait_until_active` saw the allocation end (``failed``, or released) instead."""

    def __init__(self, allocation: Allocation) -> None:
        reason = allocation.reason
        super().__init__(f"Allocation {allocation.id} is {allocation.state}" + (f": {reason}" if reason else ""))
        self.allocation = allocation


def _retryable(exc: GpuaasError) -> bool:
    """A failure that a retry with the same Idempotency-Key may get past (the API runs the request once)."""
    if isinstance(exc, TransportError):
        return True
    return isinstance(exc, ApiError) and (exc.status in RETRY_STATUSES or exc.code in RETRY_CODES)


def _retry_after(value: str | None) -> int | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0, int((when - datetime.now(UTC)).total_seconds() + 0.999))


# The client ---------------------------------------------------------------------------------


def _opt(value: T | None) -> T | Unset:
    """A parameter left out (``None``) as the generated operations spell it."""
    return UNSET if value is None else value


def _when(value: str | date | None) -> str | None:
    """A query's time: a ``date`` as ``YYYY-MM-DD``; a ``datetime`` in UTC (naive: taken as UTC) as
    ``YYYY-MM-DDTHH:MM:SS.mmmZ``; a string as it is."""
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _instant(value: str | datetime | None) -> str | None:
    """A time for ``since``: an RFC 3339 string as given, or an aware datetime rendered in UTC."""
    if value is None or isinstance(value, str):
        return value
    if value.tzinfo is None:
        raise ValueError("since must be timezone-aware")
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _micros(value: int | None, what: str) -> int:
    """Money goes out as integer micro-units: refuse a float (or a bool) before it reaches the API."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int of micro-units, not {type(value).__name__}")
    return value


def _new_key(idempotency_key: str | None) -> str:
    return idempotency_key or str(uuid.uuid4())


def _parsed(response: httpx.Response, parse: Parse[M]) -> M:
    """The generated model of a successful answer. One that is not JSON, or not the documented shape, is
    an :class:`ApiError` (``INVALID_RESPONSE``), not a ``KeyError`` from deep in the generated code."""
    request_id = response.headers.get("X-Request-Id")
    try:
        body = response.json()
    except ValueError as exc:
        raise ApiError(
            response.status_code, "INVALID_RESPONSE", "The API answered with something that is not JSON", request_id
        ) from exc
    try:
        return parse(body)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ApiError(
            response.status_code,
            "INVALID_RESPONSE",
            f"The API's answer is not the documented shape ({type(exc).__name__}: {exc})",
            request_id,
        ) from exc


class EventFeed(Iterator["PublicEvent"]):
    """The event feed as an iterator (``Client.events``). ``cursor`` is the feed's cursor after the last page
    it has yielded whole (or where it started): resuming from it never skips an event, and repeats at most the
    events of a page it was stopped in the middle of (deduplicate by ``id``, as for webhooks)."""

    def __init__(
        self,
        client: Client,
        *,
        after: str | None,
        types: Sequence[str] | None,
        follow: bool,
        wait: int,
        platform: bool,
    ) -> None:
        self._client = client
        self.cursor = after
        self._types = types
        self._follow = follow
        self._wait = wait
        self._platform = platform
        self._pending: list[PublicEvent] = []
        self._page_cursor: str | None = after
        self._done = False

    def __iter__(self) -> EventFeed:
        return self

    def __next__(self) -> PublicEvent:
        while not self._pending:
            if self._done:
                raise StopIteration
            self._fetch()
        event = self._pending.pop(0)
        if not self._pending:
            self.cursor = self._page_cursor  # the page's cursor stands after its last event
        return event

    def _fetch(self) -> None:
        waiting = self._wait if self._follow else 0
        try:
            page = self._client.events_page(
                after=self._page_cursor, types=self._types, wait=waiting, platform=self._platform
            )
        except GpuaasError as exc:
            if not (self._follow and _retryable(exc)):
                raise
            self._client.sleep(1.0)
            return
        self._pending = list(page.items)
        self._page_cursor = page.next_cursor
        if not self._pending:
            self.cursor = page.next_cursor
            if not self._follow:
                self._done = True


class Client:
    """One caller of the GPUaaS API.

    Authenticates with a session (``access_token`` plus, optionally, ``refresh_token``) or with an
    ``api_key``. With a refresh token, an access token the API refuses as ``INVALID_TOKEN`` (expired)
    is refreshed once and the request retried once; the rotated tokens are handed to ``on_tokens``
    so that the caller can store the new refresh token (the old one stops working).

    A ``429`` is not retried: :class:`ApiError` carries ``retry_after`` (seconds) for the caller to decide.
    ``http_client`` replaces the ``httpx.Client`` the requests go out on (its own base URL, headers and
    timeout then apply); :attr:`http` is that client, for a caller that needs the same connection pool.
    """

    def __init__(
        self,
        base_url: str,
        *,
        access_token: str | None = None,
        refresh_token: str | None = None,
        api_key: str | None = None,
        on_tokens: Callable[[Tokens], None] | None = None,
        timeout: float = 30,
        http_client: httpx.Client | None = None,
    ) -> None:
        if api_key and (access_token or refresh_token):
            raise ValueError("Use either a session (access/refresh token) or an API key, not both")
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.api_key = api_key
        self.on_tokens = on_tokens
        self.timeout = timeout
        # The generated layer's client: its httpx.Client carries the base URL, the timeout and the
        # connection pool; the bearer is added per request (it changes when a session is refreshed).
        self.api = GeneratedClient(
            base_url=self.base_url, timeout=httpx.Timeout(timeout), headers={"User-Agent": USER_AGENT}
        )
        if http_client is not None:
            self.api.set_httpx_client(http_client)
        # What waiting uses (replaceable in tests).
        self.sleep: Callable[[float], None] = time.sleep
        self.clock: Callable[[], float] = time.monotonic

    @property
    def http(self) -> httpx.Client:
        return self.api.get_httpx_client()

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Plumbing -------------------------------------------------------------------------------

    def _bearer(self) -> str | None:
        return self.access_token or self.api_key

    def _send(self, request: Request, *, auth: bool, accept: str, headers: dict[str, str] | None) -> httpx.Response:
        sent = {**request.get("headers", {}), **(headers or {}), "Accept": accept, "User-Agent": USER_AGENT}
        token = self._bearer() if auth else None
        if token:
            sent["Authorization"] = f"Bearer {token}"
        try:
            return self.http.request(**{**request, "headers": sent})
        except httpx.RequestError as exc:
            raise TransportError(f"Cannot reach {self.base_url}: {exc}") from exc

    def _response(
        self,
        build: Callable[[], Request],
        *,
        auth: bool = True,
        accept: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request (``build`` is a generated operation's, called per attempt: a body that
        names the refresh token must name the current one) and return its successful answer; on an
        expired access token refresh once and retry once."""
        refreshed = False
        while True:
            response = self._send(build(), auth=auth, accept=accept, headers=headers)
            if response.status_code < 400:
                return response
            error = ApiError.from_response(response)
            if (
                error.status == 401
                and error.code == "INVALID_TOKEN"
                and auth
                and not refreshed
                and self.refresh_token
                and not self.api_key
            ):
                refreshed = True
                self.refresh()  # raises if the refresh token is dead too: no loop
                continue
            raise error

    def _model(
        self,
        build: Callable[[], Request],
        parse: Parse[M],
        *,
        auth: bool = True,
        headers: dict[str, str] | None = None,
    ) -> M:
        """The answer to one request as the generated model ``parse`` builds."""
        return _parsed(self._response(build, auth=auth, headers=headers), parse)

    def _no_content(self, build: Callable[[], Request]) -> None:
        self._response(build)

    def _text(self, build: Callable[[], Request]) -> str:
        """An answer that is not JSON (a CSV export), as it is."""
        return self._response(build, accept="text/csv, application/json").text

    def _retrying(self, attempt: Callable[[], T], *, delays: Sequence[float] | None = None) -> T:
        """Run a request that carries an Idempotency-Key (built into it once, so every attempt has the
        same); retry it past network errors, ``502``/``503``/``504`` and ``IDEMPOTENCY_IN_PROGRESS``:
        the API runs it once and replays the answer."""
        delays = RETRY_DELAYS if delays is None else delays
        tries = 0
        while True:
            try:
                return attempt()
            except GpuaasError as exc:
                if tries >= len(delays) or not _retryable(exc):
                    raise
                self.sleep(delays[tries])
                tries += 1

    def _paginate(
        self, page: Callable[[str | Unset], Request], parse: Parse[Page[M]], *, auth: bool = True
    ) -> Iterator[M]:
        """Every item of a list, following ``next_cursor`` (a page may be empty while a cursor remains).
        ``page(cursor)`` is the generated list operation with its filters bound; ``parse`` its page model's."""
        cursor: str | Unset = UNSET
        while True:
            body = self._model(functools.partial(page, cursor), parse, auth=auth)
            yield from body.items
            cursor = body.next_cursor or UNSET
            if not cursor:
                return

    def _adopt(self, tokens: S) -> S:
        self.access_token = tokens.access_token
        self.refresh_token = tokens.refresh_token or self.refresh_token
        self.api_key = None
        if self.on_tokens is not None:
            self.on_tokens(tokens)
        return tokens

    # System and catalog ---------------------------------------------------------------------

    def health(self) -> Health:
        return self._model(_health._get_kwargs, Health.from_dict, auth=False)

    def skus(
        self,
        *,
        region: str | None = None,
        gpu_model: str | None = None,
        min_gpus: int | None = None,
        max_price_per_hour_micros: int | None = None,
        available: bool | None = None,
        limit: int | None = None,
    ) -> Iterator[Sku]:
        """The public catalog, every page. Prices are integer micro-USD."""

        def page(cursor: str | Unset) -> Request:
            return _list_skus._get_kwargs(
                limit=_opt(limit),
                cursor=cursor,
                gpu_model=_opt(gpu_model),
                min_gpus=_opt(min_gpus),
                region=_opt(region),
                max_price_per_hour_micros=_opt(max_price_per_hour_micros),
                available=_opt(available),
            )

        return self._paginate(page, SkuPage.from_dict, auth=False)

    def os_images(self, *, limit: int | None = None) -> Iterator[OsImage]:
        """The OS images an allocation can boot (public), every page."""
        return self._paginate(
            lambda cursor: _list_os_images._get_kwargs(limit=_opt(limit), cursor=cursor),
            OsImagePage.from_dict,
            auth=False,
        )

    # Sessions -------------------------------------------------------------------------------

    def dev_token(self, user: str, org: str, role: str) -> DevSession:
        """Sign in as anyone (the local stage's dev issuer only); the client adopts the session."""
        body = DevTokenBody(user=user, org=org, role=role)
        return self._adopt(self._model(lambda: _dev_token._get_kwargs(body=body), DevSession.from_dict, auth=False))

    def exchange_oidc_token(self, subject_token: str, org_id: str | None = None) -> Session:
        """Sign in with an OIDC token from the configured issuer; the client adopts the session."""
        body = TokenBody(grant_type=TOKEN_EXCHANGE, subject_token=subject_token, org_id=org_id or UNSET)
        return self._adopt(self._model(lambda: _auth_token._get_kwargs(body=body), Session.from_dict, auth=False))

    def refresh(self) -> Session:
        """Trade the refresh token for new tokens (the refresh token rotates: store the new one)."""
        if not self.refresh_token:
            raise GpuaasError("No refresh token to refresh the session with")
        body = TokenBody(grant_type="refresh_token", refresh_token=self.refresh_token)
        return self._adopt(self._model(lambda: _auth_token._get_kwargs(body=body), Session.from_dict, auth=False))

    def logout(self) -> None:
        """End this session on the server; its refresh tokens stop working."""
        # Built per attempt: a refresh before the retry rotates the refresh token.
        self._no_content(lambda: _auth_logout._get_kwargs(body=LogoutBody(refresh_token=_opt(self.refresh_token))))
        self.access_token = self.refresh_token = None

    def logout_all(self) -> None:
        """Sign out everywhere: every session of this user stops refreshing."""
        self._no_content(_auth_logout_all._get_kwargs)
        self.access_token = self.refresh_token = None

    def me(self) -> Me:
        return self._model(_me._get_kwargs, Me.from_dict)

    # API keys -------------------------------------------------------------------------------

    def api_keys(self) -> Iterator[ApiKey]:
        return self._paginate(lambda cursor: _list_api_keys._get_kwargs(cursor=cursor), ApiKeyPage.from_dict)

    def create_api_key(
        self,
        name: str,
        scopes: list[str],
        expires_in_days: int | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> CreatedApiKey:
        """Create a key; ``secret`` is in this response only, never again."""
        body = CreateApiKeyBody(name=name, scopes=list(scopes), expires_in_days=_opt(expires_in_days))
        # The document does not name an Idempotency-Key here; the API honours it on every create.
        headers = {"Idempotency-Key": _new_key(idempotency_key)}
        return self._model(lambda: _create_api_key._get_kwargs(body=body), CreatedApiKey.from_dict, headers=headers)

    def revoke_api_key(self, key_id: str) -> ApiKey:
        return self._model(lambda: _revoke_api_key._get_kwargs(key_id), ApiKey.from_dict)

    # SSH keys -------------------------------------------------------------------------------

    def ssh_keys(self) -> Iterator[SshKey]:
        return self._paginate(lambda cursor: _list_ssh_keys._get_kwargs(cursor=cursor), SshKeyPage.from_dict)

    def add_ssh_key(self, name: str, public_key: str, *, idempotency_key: str | None = None) -> SshKey:
        body, key = AddSshKeyBody(name=name, public_key=public_key), _new_key(idempotency_key)
        return self._model(lambda: _add_ssh_key._get_kwargs(body=body, idempotency_key=key), SshKey.from_dict)

    def delete_ssh_key(self, key_id: str) -> None:
        self._no_content(lambda: _delete_ssh_key._get_kwargs(key_id))

    # Notifications --------------------------------------------------------------------------

    def notifications(self, *, limit: int | None = None) -> Iterator[Notification]:
        """Your in-app notifications in this org, newest first, every page (``limit`` is the page size)."""
        return self._paginate(
            lambda cursor: _list_notifications._get_kwargs(limit=_opt(limit), cursor=cursor), NotificationPage.from_dict
        )

    def notification_page(self, *, limit: int | None = None, cursor: str | None = None) -> NotificationPage:
        """One page of notifications with ``unread_count`` (every unread one, not only this page's)."""
        return self._model(
            lambda: _list_notifications._get_kwargs(limit=_opt(limit), cursor=_opt(cursor)), NotificationPage.from_dict
        )

    def mark_notification_read(self, notification_id: str) -> Notification:
        return self._model(lambda: _read_notification._get_kwargs(notification_id), Notification.from_dict)

    def mark_all_notifications_read(self) -> NotificationsMarked:
        return self._model(lambda: _read_all_notifications._get_kwargs(), NotificationsMarked.from_dict)

    def notification_preferences(self) -> NotificationPreferences:
        """Which categories you receive by email (``mandatory`` ones always)."""
        return self._model(lambda: _get_notification_preferences._get_kwargs(), NotificationPreferences.from_dict)

    def set_notification_preferences(self, email: Mapping[str, bool]) -> NotificationPreferences:
        """Turn categories on or off by email; categories left out keep their setting. Turning a
        money-critical one off is ``ApiError`` ``NOTIFICATION_CATEGORY_MANDATORY``."""
        body = NotificationPreferencesBody(email=NotificationPreferencesBodyEmail.from_dict(dict(email)))
        return self._model(
            lambda: _put_notification_preferences._get_kwargs(body=body), NotificationPreferences.from_dict
        )

    def notification_stream_ticket(self) -> NotificationStreamTicket:
        """A one-time ticket to receive new notifications live: connect once to ``url?ticket=<ticket>``.
        Not retried: each call issues a new ticket."""
        return self._model(lambda: _notification_stream_ticket._get_kwargs(), NotificationStreamTicket.from_dict)

    # Webhooks -------------------------------------------------------------------------------

    def webhooks(self) -> Iterator[Webhook]:
        """Your org's webhook endpoints (never their secrets)."""
        return self._paginate(lambda cursor: _list_webhooks._get_kwargs(cursor=cursor), WebhookPage.from_dict)

    def create_webhook(
        self,
        url: str,
        event_types: Sequence[str],
        *,
        description: str = "",
        enabled: bool = True,
        idempotency_key: str | None = None,
    ) -> CreatedWebhook:
        """Create an endpoint; ``secret`` (``whsec_...``) is in this answer only. Retried like every create:
        should a retry get the first attempt's stored answer, ``secret`` is None (rotate for a new one)."""
        body = CreateWebhookBody(url=url, event_types=list(event_types), description=description, enabled=enabled)
        key = _new_key(idempotency_key)
        return self._retrying(
            lambda: self._model(
                lambda: _create_webhook._get_kwargs(body=body, idempotency_key=key), CreatedWebhook.from_dict
            )
        )

    def get_webhook(self, webhook_id: str) -> Webhook:
        return self._model(lambda: _get_webhook._get_kwargs(webhook_id), Webhook.from_dict)

    def update_webhook(
        self,
        webhook_id: str,
        *,
        url: str | None = None,
        event_types: Sequence[str] | None = None,
        description: str | None = None,
        enabled: bool | None = None,
        if_version: int | None = None,
    ) -> Webhook:
        """Change what is given; ``if_version`` refuses the change (412) if the endpoint moved on."""
        body = UpdateWebhookBody(
            url=_opt(url),
            event_types=UNSET if event_types is None else list(event_types),
            description=_opt(description),
            enabled=_opt(enabled),
        )
        match = UNSET if if_version is None else f'"{if_version}"'
        return self._model(
            lambda: _update_webhook._get_kwargs(webhook_id, body=body, if_match=match), Webhook.from_dict
        )

    def delete_webhook(self, webhook_id: str) -> None:
        self._no_content(lambda: _delete_webhook._get_kwargs(webhook_id))

    def rotate_webhook_secret(self, webhook_id: str, *, idempotency_key: str | None = None) -> CreatedWebhook:
        """A new signing secret (in this answer only); the old one keeps signing for 24 hours."""
        key = _new_key(idempotency_key)
        return self._retrying(
            lambda: self._model(
                lambda: _rotate_webhook_secret._get_kwargs(webhook_id, idempotency_key=key), CreatedWebhook.from_dict
            )
        )

    def test_webhook(self, webhook_id: str, *, idempotency_key: str | None = None) -> WebhookDelivery:
        """Send a ``webhook.ping`` to the endpoint; returns its delivery."""
        key = _new_key(idempotency_key)
        return self._retrying(
            lambda: self._model(
                lambda: _test_webhook._get_kwargs(webhook_id, idempotency_key=key), WebhookDelivery.from_dict
            )
        )

    def webhook_deliveries(self, webhook_id: str) -> Iterator[WebhookDelivery]:
        """The endpoint's deliveries, newest first."""
        return self._paginate(
            lambda cursor: _list_webhook_deliveries._get_kwargs(webhook_id, cursor=cursor),
            WebhookDeliveryPage.from_dict,
        )

    def get_webhook_delivery(self, webhook_id: str, delivery_id: str) -> WebhookDeliveryDetail:
        """One delivery with its payload and every attempt."""
        return self._model(
            lambda: _get_webhook_delivery._get_kwargs(webhook_id, delivery_id), WebhookDeliveryDetail.from_dict
        )

    def redeliver_webhook(
        self, webhook_id: str, delivery_id: str, *, idempotency_key: str | None = None
    ) -> WebhookDelivery:
        key = _new_key(idempotency_key)
        return self._retrying(
            lambda: self._model(
                lambda: _redeliver_webhook_delivery._get_kwargs(webhook_id, delivery_id, idempotency_key=key),
                WebhookDelivery.from_dict,
            )
        )

    def recover_webhook(
        self, webhook_id: str, since: str | datetime, *, idempotency_key: str | None = None
    ) -> WebhookRecovery:
        """Resend every delivery that failed since ``since`` (at most 14 days back)."""
        when, key = _instant(since) or "", _new_key(idempotency_key)
        return self._retrying(
            lambda: self._model(
                lambda: _recover_webhook._get_kwargs(webhook_id, since=when, idempotency_key=key),
                WebhookRecovery.from_dict,
            )
        )

    # Allocations ----------------------------------------------------------------------------

    def create_allocation(
        self,
        sku_id: str,
        os_image_id: str,
        count: int = 1,
        *,
        ssh_key_ids: Sequence[str] | None = None,
        name: str | None = None,
        startup_script: str | None = None,
        idempotency_key: str | None = None,
    ) -> Allocation:
        """Rent ``count`` slots of a SKU (all on one node); answers at once with a ``pending`` allocation.

        ``ssh_key_ids`` defaults (server side) to all of your SSH keys. ``startup_script`` (a shell script, at
        most ``GPUAAS_STARTUP_SCRIPT_MAX_BYTES``) runs on the node once the allocation is active; its output is
        the start of :meth:`allocation_logs`. The request carries an
        Idempotency-Key (a fresh UUID4 unless given) and is retried with that same key past network
        errors and ``502``/``503``/``504``, so a retry never rents twice. Then
        :meth:`wait_until_active` (or :meth:`wait_for_allocation`).
        """
        body = CreateAllocationBody(
            sku_id=sku_id,
            os_image_id=os_image_id,
            count=count,
            ssh_key_ids=UNSET if ssh_key_ids is None else list(ssh_key_ids),
            name=_opt(name),
            startup_script=_opt(startup_script),
        )
        key = _new_key(idempotency_key)
        return self._retrying(
            lambda: self._model(
                lambda: _create_allocation._get_kwargs(body=body, idempotency_key=key), Allocation.from_dict
            )
        )

    def allocations(self, *, state: str | None = None, limit: int | None = None) -> Iterator[Allocation]:
        """The org's allocations, newest first, every page (``limit`` is the page size)."""
        return self._paginate(
            lambda cursor: _list_allocations._get_kwargs(limit=_opt(limit), cursor=cursor, state=_opt(state)),
            AllocationPage.from_dict,
        )

    list_allocations = allocations

    def get_allocation(self, allocation_id: str) -> Allocation:
        return self._model(lambda: _get_allocation._get_kwargs(allocation_id), Allocation.from_dict)

    def get_allocation_ssh(self, allocation_id: str) -> Connection:
        """How to ssh into an active allocation: host, port, user and its host key's ``known_hosts`` line."""
        return self._model(lambda: _get_allocation_ssh._get_kwargs(allocation_id), Connection.from_dict)

    def set_allocation_ssh_keys(self, allocation_id: str, ssh_key_ids: Sequence[str]) -> Allocation:
        """Replace an active allocation's SSH keys with these of yours; its host has them within seconds."""
        body = SshKeysBody(ssh_key_ids=list(ssh_key_ids))
        return self._model(lambda: _set_allocation_ssh_keys._get_kwargs(allocation_id, body=body), Allocation.from_dict)

    def release_allocation(self, allocation_id: str, *, idempotency_key: str | None = None) -> Allocation:
        """Give the slots back (answers ``releasing`` at once; billing stops now). Retried like a create."""
        key = _new_key(idempotency_key)
        return self._retrying(
            lambda: self._model(
                lambda: _release_allocation._get_kwargs(allocation_id, idempotency_key=key), Allocation.from_dict
            )
        )

    def open_terminal(
        self,
        allocation_id: str,
        *,
        kind: str = "shell",
        cols: int = 80,
        rows: int = 24,
        session_id: str | None = None,
    ) -> TerminalTicket:
        """A one-time ticket to the allocation's terminal gateway (doc/terminal.md): connect once to
        ``ticket.url`` with ``?ticket=<ticket.ticket>`` before ``ticket.expires_at``. ``session_id``
        resumes one of your own open sessions (``kind``, ``cols`` and ``rows`` are then the session's).
        Not retried: each call issues a new ticket."""
        body = (
            OpenTerminalBody(session_id=session_id)
            if session_id is not None
            else OpenTerminalBody(kind=kind, cols=cols, rows=rows)  # type: ignore[arg-type]  # checked by the API
        )
        return self._model(lambda: _open_terminal._get_kwargs(allocation_id, body=body), TerminalTicket.from_dict)

    def allocation_events(self, allocation_id: str, *, limit: int | None = None) -> Iterator[AllocationEvent]:
        """The allocation's history, oldest first (CloudEvents envelopes), every page."""
        return self._paginate(
            lambda cursor: _list_allocation_events._get_kwargs(allocation_id, limit=_opt(limit), cursor=cursor),
            EventPage.from_dict,
        )

    def allocation_logs_page(
        self,
        allocation_id: str,
        *,
        cursor: str | None = None,
        since: str | datetime | None = None,
        follow: bool = False,
        limit: int | None = None,
    ) -> LogPage:
        """One page of the allocation's log (its startup script's output first), oldest first.

        ``next_cursor`` is never None: pass it back for the lines written after this page. With ``follow`` an
        empty read waits on the server (up to its follow wait, 20 s by default) and answers as soon as lines
        arrive; an empty page then means nothing new yet."""
        return self._model(
            lambda: _list_allocation_logs._get_kwargs(
                allocation_id,
                limit=_opt(limit),
                cursor=_opt(cursor),
                since=_opt(_instant(since)),
                follow=True if follow else UNSET,
            ),
            LogPage.from_dict,
        )

    def allocation_logs(
        self,
        allocation_id: str,
        *,
        since: str | datetime | None = None,
        follow: bool = False,
        limit: int | None = None,
    ) -> Iterator[LogLine]:
        """The allocation's log lines, oldest first. Without ``follow``: every line there is now, then the
        iterator ends. With ``follow``: then every new line as it arrives, until the caller stops iterating."""
        return self._log_lines(
            lambda cursor, waiting: self.allocation_logs_page(
                allocation_id, cursor=cursor, since=since, follow=waiting, limit=limit
            ),
            follow,
        )

    def node_logs_page(
        self,
        node_id: str,
        *,
        cursor: str | None = None,
        since: str | datetime | None = None,
        follow: bool = False,
        limit: int | None = None,
    ) -> LogPage:
        """One page of a node agent's own log (operators), as :meth:`allocation_logs_page`."""
        return self._model(
            lambda: _admin_list_node_logs._get_kwargs(
                node_id,
                limit=_opt(limit),
                cursor=_opt(cursor),
                since=_opt(_instant(since)),
                follow=True if follow else UNSET,
            ),
            LogPage.from_dict,
        )

    def node_logs(
        self,
        node_id: str,
        *,
        since: str | datetime | None = None,
        follow: bool = False,
        limit: int | None = None,
    ) -> Iterator[LogLine]:
        """A node agent's log lines (operators), as :meth:`allocation_logs`."""
        return self._log_lines(
            lambda cursor, waiting: self.node_logs_page(
                node_id, cursor=cursor, since=since, follow=waiting, limit=limit
            ),
            follow,
        )

    def events_page(
        self,
        *,
        after: str | None = None,
        types: Sequence[str] | None = None,
        limit: int | None = None,
        wait: int | None = None,
        platform: bool = False,
    ) -> EventFeedPage:
        """One page of the org's event feed (``platform``: the operators' feed of fleet events), oldest first.

        Each item is the public event exactly as a webhook delivers it (same id). ``next_cursor`` is never None:
        pass it back as ``after`` for what follows. With ``wait`` an empty read waits on the server (at most 20 s)
        and answers as soon as an event arrives."""
        operation = _admin_list_platform_events if platform else _list_events
        return self._model(
            lambda: operation._get_kwargs(
                after=_opt(after),
                types=",".join(types) if types else UNSET,
                limit=_opt(limit),
                wait=wait if wait else UNSET,
            ),
            EventFeedPage.from_dict,
        )

    def events(
        self,
        *,
        after: str | None = None,
        types: Sequence[str] | None = None,
        follow: bool = False,
        wait: int = 20,
        platform: bool = False,
    ) -> EventFeed:
        """The org's public events after the cursor ``after`` (from the oldest kept without), oldest first, as
        an iterator whose ``cursor`` is where it stands: save it to resume later. Without ``follow`` it ends when
        the feed has nothing newer; with ``follow`` it long-polls for new events until the caller stops, and
        reads again from its cursor after a transient error (502/503/504, a dropped connection)."""
        return EventFeed(self, after=after, types=types, follow=follow, wait=wait, platform=platform)

    def _log_lines(self, read: Callable[[str | None, bool], LogPage], follow: bool) -> Iterator[LogLine]:
        cursor: str | None = None
        while True:
            page = read(cursor, follow and cursor is not None)
            yield from page.items
            cursor = page.next_cursor
            if not page.items and not follow:
                return

    def wait_for_allocation(
        self,
        allocation_id: str,
        states: Collection[str] = ("active",),
        timeout: float = 600,
        on_change: Callable[[Allocation], None] | None = None,
        *,
        poll_interval: float = 0.2,
        max_poll_interval: float = 2.0,
    ) -> Allocation:
        """Poll the allocation until its state is one of ``states`` or final (``released``, ``failed``).

        Returns the allocation (check ``state``: waiting for ``active`` may end ``failed``, with
        ``reason``). ``on_change(allocation)`` is called with the first allocation seen and again at
        every change of state. Polls every ``poll_interval`` seconds, backing off to
        ``max_poll_interval`` while nothing changes. Network errors, ``5xx`` and ``429`` are waited
        out; after ``timeout`` seconds raises :class:`WaitTimeout` (the allocation carries on).
        """
        wanted = set(states) | set(FINAL_ALLOCATION_STATES)
        deadline = self.clock() + timeout
        interval = poll_interval
        last: Allocation | None = None
        while True:
            wait_at_least = 0.0
            try:
                allocation = self.get_allocation(allocation_id)
            except (TransportError, ApiError) as exc:
                transient = isinstance(exc, TransportError) or exc.status >= 500 or exc.status == 429
                if not transient or (last is None and self.clock() >= deadline):
                    raise  # never seen it, out of time: the error is the answer
                if isinstance(exc, ApiError) and exc.retry_after:
                    wait_at_least = float(exc.retry_after)
            else:
                if last is None or allocation.state != last.state:
                    interval = poll_interval  # something moves: look again soon
                    if on_change is not None:
                        on_change(allocation)
                last = allocation
                if allocation.state in wanted:
                    return allocation
            remaining = deadline - self.clock()
            if remaining <= 0 and last is not None:
                raise WaitTimeout(last, timeout)
            self.sleep(max(0.0, min(max(interval, wait_at_least), remaining)))
            interval = min(interval * 1.5, max(max_poll_interval, poll_interval))

    def wait_until_active(
        self,
        allocation_id: str,
        timeout: float = 600,
        on_change: Callable[[Allocation], None] | None = None,
        *,
        poll_interval: float = 0.2,
        max_poll_interval: float = 2.0,
    ) -> Allocation:
        """Wait until the allocation is ``active`` and return it (``connection`` says how to connect).

        Raises :class:`AllocationFailed` if it ends ``failed`` (or is released) instead, and
        :class:`WaitTimeout` after ``timeout`` seconds. Polls as :meth:`wait_for_allocation` does.
        """
        allocation = self.wait_for_allocation(
            allocation_id,
            ("active",),
            timeout,
            on_change,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
        )
        if allocation.state != "active":
            raise AllocationFailed(allocation)
        return allocation

    # Billing --------------------------------------------------------------------------------
    # Money is integer micro-units of the org's currency (1 USD = 1_000_000), in and out.

    def balance(self) -> Balance:
        """The balance now (settled less what is used but not yet settled), the burn rate of the active
        allocations, the runway at that burn (``None`` when nothing burns) and the frozen/depleted flags."""
        return self._model(_get_balance._get_kwargs, Balance.from_dict)

    def ledger(
        self,
        *,
        since: str | date | None = None,
        until: str | date | None = None,
        limit: int | None = None,
    ) -> Iterator[LedgerEntry]:
        """The org's ledger, newest first, every page (``limit`` is the page size). ``since`` (inclusive)
        and ``until`` (exclusive) are ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (or a date/datetime)."""
        return self._paginate(
            lambda cursor: _list_ledger._get_kwargs(
                limit=_opt(limit), cursor=cursor, since=_opt(_when(since)), until=_opt(_when(until))
            ),
            LedgerPage.from_dict,
        )

    def ledger_csv(
        self,
        *,
        since: str | date | None = None,
        until: str | date | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> str:
        """One page of the ledger (``limit`` entries at most; the API caps a page) as the API's CSV export:
        ``at,id,kind,wallet_delta_micros,currency,allocation_id,description``."""

        def request() -> Request:
            return _list_ledger._get_kwargs(
                limit=_opt(limit),
                cursor=_opt(cursor),
                since=_opt(_when(since)),
                until=_opt(_when(until)),
                format_="csv",
            )

        return self._text(request)

    def usage(self, since: str | date | None = None, until: str | date | None = None) -> Usage:
        """Seconds and charges per day and per allocation, days ``since`` to ``until`` inclusive
        (``YYYY-MM-DD``, UTC; by default the last 30 days)."""
        return self._model(
            lambda: _get_usage._get_kwargs(since=_opt(_when(since)), until=_opt(_when(until))), Usage.from_dict
        )

    def usage_csv(self, since: str | date | None = None, until: str | date | None = None) -> str:
        """The usage rows as CSV: ``day,allocation_id,sku_id,seconds,micros``."""
        return self._text(
            lambda: _get_usage._get_kwargs(since=_opt(_when(since)), until=_opt(_when(until)), format_="csv")
        )

    def statement(self, month: str) -> Statement:
        """A calendar month (``YYYY-MM``, UTC): opening balance, movements by kind, closing balance, entries."""
        return self._model(lambda: _get_statement._get_kwargs(month), Statement.from_dict)

    def spend_cap(self) -> SpendCap:
        """The org's daily spend cap (``daily_cap_micros`` is ``None`` when there is none)."""
        return self._model(_get_spend_cap._get_kwargs, SpendCap.from_dict)

    def set_spend_cap(self, daily_cap_micros: int | None) -> SpendCap:
        """Set the daily spend cap (``None`` clears it); new allocations stop at it. Owners, with a session."""
        cap = None if daily_cap_micros is None else _micros(daily_cap_micros, "daily_cap_micros")
        body = SpendCapBody(daily_cap_micros=cap)
        return self._model(lambda: _set_spend_cap._get_kwargs(body=body), SpendCap.from_dict)

    def checkout(
        self,
        amount_micros: int,
        *,
        success_url: str | None = None,
        cancel_url: str | None = None,
        idempotency_key: str | None = None,
    ) -> Checkout:
        """Start a top-up: a payment page (``url``) for ``amount_micros``; the balance rises once it is paid.

        Sends an Idempotency-Key (a fresh UUID4 unless given) and retries with it like a create, so a
        retry never opens a second checkout.
        """
        body = CheckoutBody(
            amount_micros=_micros(amount_micros, "amount_micros"),
            success_url=_opt(success_url),
            cancel_url=_opt(cancel_url),
        )
        key = _new_key(idempotency_key)
        return self._retrying(
            lambda: self._model(
                lambda: _create_checkout._get_kwargs(body=body, idempotency_key=key), Checkout.from_dict
            )
        )

    def dev_complete_checkout(self, checkout_session_id: str) -> DevCheckoutCompletion:
        """Pay a checkout without paying (the local stage's dev route only): the API delivers the signed
        payment webhook to itself, as the payment provider would."""
        return self._model(
            lambda: _dev_complete_checkout._get_kwargs(checkout_session_id), DevCheckoutCompletion.from_dict
        )

    # Members --------------------------------------------------------------------------------

    def members(self) -> Iterator[Member]:
        return self._paginate(lambda cursor: _list_members._get_kwargs(cursor=cursor), MemberPage.from_dict)

    def add_member(self, user_id: str, role: str, *, idempotency_key: str | None = None) -> Member:
        body, key = AddMemberBody(user_id=user_id, role=role), _new_key(idempotency_key)
        return self._model(lambda: _add_member._get_kwargs(body=body, idempotency_key=key), Member.from_dict)

    def set_member_role(self, user_id: str, role: str) -> Member:
        body = ChangeRoleBody(role=role)
        return self._model(lambda: _change_member_role._get_kwargs(user_id, body=body), Member.from_dict)

    def remove_member(self, user_id: str) -> None:
        self._no_content(lambda: _remove_member._get_kwargs(user_id))

    # Audit ----------------------------------------------------------------------------------

    def audit(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        target: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int | None = None,
    ) -> Iterator[AuditRecord]:
        """The org's audit trail, newest first, every page."""

        def page(cursor: str | Unset) -> Request:
            return _list_audit._get_kwargs(
                limit=_opt(limit),
                cursor=cursor,
                actor=_opt(actor),
                action=_opt(action),
                target=_opt(target),
                since=_opt(since),
                until=_opt(until),
            )

        return self._paginate(page, AuditPage.from_dict)
