"""A typed Python SDK for the GPUaaS REST API (``/v1``, JSON only).

>>> client = Client("http://127.0.0.1:8000", api_key="gpk_...")
>>> client.me()["org"]["name"]
>>> allocation = client.create_allocation("sku_...", "img_...")
>>> client.wait_for_allocation(allocation["id"], ["active"], timeout=600)["connection"]["command"]

Every error the API returns is raised as :class:`ApiError`, built from its error envelope
``{"error": {"code", "message", "request_id", "details"?}}``. Switch on ``code``, never on ``message``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any, NotRequired, TypedDict
from urllib.parse import quote

import requests

__all__ = [
    "ALLOCATION_STATES",
    "FINAL_ALLOCATION_STATES",
    "ROLES",
    "Allocation",
    "AllocationEvent",
    "ApiError",
    "ApiKey",
    "Balance",
    "Checkout",
    "Client",
    "CreatedApiKey",
    "GpuaasError",
    "LedgerEntry",
    "Me",
    "Member",
    "OsImage",
    "Sku",
    "SpendCap",
    "Statement",
    "Tokens",
    "TransportError",
    "Usage",
    "WaitTimeout",
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


# Response shapes ----------------------------------------------------------------------------


class Tokens(TypedDict):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int
    user_id: str
    org_id: str
    id_token: NotRequired[str]


class _Ref(TypedDict):
    id: str
    name: str


class _User(TypedDict):
    id: str
    email: str
    name: str


class _OrgRole(TypedDict):
    id: str
    name: str
    role: str


class Me(TypedDict):
    user: _User
    org: _Ref
    role: str
    operator: bool
    auth: str
    orgs: list[_OrgRole]
    api_key_id: NotRequired[str]


class ApiKey(TypedDict):
    id: str
    prefix: str
    name: str
    scopes: list[str]
    role: str
    created_by: str
    created_at: str
    expires_at: str | None
    revoked_at: str | None
    last_used_at: str | None


class CreatedApiKey(ApiKey):
    secret: str


class Member(TypedDict):
    user_id: str
    email: str
    name: str
    role: str
    joined_at: str


class Sku(TypedDict):
    id: str
    name: str
    gpu_model: str
    gpus: int
    vcpus: int
    ram_gib: int
    disk_gib: int
    region: str
    price_per_hour_micros: int
    currency: str
    status: str
    created_at: str
    updated_at: str
    version: int
    total_slots: int
    free_slots: int
    available: bool


class OsImage(TypedDict):
    id: str
    name: str
    family: str
    version: str
    container_image: str


class Connection(TypedDict):
    host: str
    port: int
    user: str
    command: str  # "ssh -p PORT USER@HOST"


class _ClaimedSlot(TypedDict):
    index: int
    gpu_indexes: list[int]


class Allocation(TypedDict):
    id: str
    name: str
    org_id: str
    created_by: str
    sku_id: str
    region: str
    gpu_model: str
    count: int
    gpus: int
    os_image_id: str
    ssh_key_ids: list[str]
    node_id: str
    slots: list[_ClaimedSlot]
    price_per_hour_micros: int  # all ``count`` slots together
    currency: str
    state: str
    reason: str | None  # why it failed
    allowed_actions: list[str]
    connection: Connection | None  # only while active
    created_at: str
    updated_at: str
    activated_at: str | None
    release_requested_at: str | None
    released_at: str | None
    failed_at: str | None
    node_down_at: str | None


class AllocationEvent(TypedDict):
    """A CloudEvents envelope; ``data`` holds the allocation's ``state`` and ``reason`` at ``time``."""

    id: str
    type: str
    time: str
    data: dict[str, Any]


# Billing: money is integer micro-units of ``currency`` (1 USD = 1_000_000), never a float.


class Balance(TypedDict):
    org_id: str
    currency: str
    balance_micros: int  # now: the settled balance less what is used but not yet settled
    settled_balance_micros: int
    unsettled_usage_micros: int
    burn_rate_per_hour_micros: int  # of the active allocations
    runway_seconds: int | None  # until the balance is spent at that burn; None when nothing burns
    active_allocations: int
    depleted_at: str | None  # when the balance ran out (active allocations get released)
    frozen: bool  # new allocations refused (a disputed payment) until an operator lifts it
    frozen_reason: str | None
    as_of: str


class LedgerLine(TypedDict):
    account: str
    amount_micros: int


class LedgerEntry(TypedDict):
    id: str
    org_id: str
    kind: str  # usage, topup, refund, promotion, dispute, adjustment
    at: str
    description: str
    currency: str
    allocation_id: str | None
    lines: list[LedgerLine]  # double entry: they sum to zero
    wallet_delta_micros: int  # what it did to the balance (negative: a charge)


class UsageRow(TypedDict):
    day: str
    allocation_id: str
    sku_id: str | None
    seconds: int
    micros: int


class UsageDay(TypedDict):
    day: str
    seconds: int
    micros: int


class UsageAllocation(TypedDict):
    allocation_id: str
    sku_id: str | None
    seconds: int
    micros: int


# "from" is a keyword: the functional form.
Usage = TypedDict(
    "Usage",
    {
        "from": str,
        "to": str,
        "rows": list[UsageRow],
        "by_day": list[UsageDay],
        "by_allocation": list[UsageAllocation],
        "total_seconds": int,
        "total_micros": int,
    },
)


class Statement(TypedDict):
    org_id: str
    month: str  # YYYY-MM, UTC
    currency: str
    opening_balance_micros: int
    movements_micros: dict[str, int]  # by entry kind
    closing_balance_micros: int
    entries: list[LedgerEntry]


class SpendCap(TypedDict):
    org_id: str
    daily_cap_micros: int | None  # None: no cap
    updated_at: str
    updated_by: str


class Checkout(TypedDict):
    checkout_session_id: str
    url: str  # where to pay
    amount_micros: int
    currency: str


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
    def from_response(cls, response: requests.Response) -> ApiError:
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
            text = response.text.strip().replace("\n", " ")[:200] or response.reason or ""
            return cls(response.status_code, f"HTTP_{response.status_code}", text, request_id, None, retry_after)


class WaitTimeout(GpuaasError):
    """:meth:`Client.wait_for_allocation` ran out of time; ``allocation`` is the last one seen."""

    def __init__(self, allocation: Allocation, timeout: float) -> None:
        super().__init__(
            f"Allocation {allocation.get('id')} is still {allocation.get('state')} after {timeout:g} seconds"
        )
        self.allocation = allocation
        self.timeout = timeout


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


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _segment(value: str) -> str:
    return quote(value, safe="")


def _when(value: str | date | None) -> str | None:
    """A query's time: a ``date`` as ``YYYY-MM-DD``; a ``datetime`` in UTC (naive: taken as UTC) as
    ``YYYY-MM-DDTHH:MM:SS.mmmZ``; a string as it is."""
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return moment.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _micros(value: int | None, what: str, *, optional: bool = False) -> int | None:
    """Money goes out as integer micro-units: refuse a float (or a bool) before it reaches the API."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int of micro-units, not {type(value).__name__}")
    return value


class Client:
    """One caller of the GPUaaS API.

    Authenticates with a session (``access_token`` plus, optionally, ``refresh_token``) or with an
    ``api_key``. With a refresh token, an access token the API refuses as ``INVALID_TOKEN`` (expired)
    is refreshed once and the request retried once; the rotated tokens are handed to ``on_tokens``
    so that the caller can store the new refresh token (the old one stops working).

    A ``429`` is not retried: :class:`ApiError` carries ``retry_after`` (seconds) for the caller to decide.
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
        session: requests.Session | None = None,
    ) -> None:
        if api_key and (access_token or refresh_token):
            raise ValueError("Use either a session (access/refresh token) or an API key, not both")
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.api_key = api_key
        self.on_tokens = on_tokens
        self.timeout = timeout
        self.session = session or requests.Session()
        # What waiting uses (replaceable in tests).
        self.sleep: Callable[[float], None] = time.sleep
        self.clock: Callable[[], float] = time.monotonic

    # Plumbing -------------------------------------------------------------------------------

    def _bearer(self) -> str | None:
        return self.access_token or self.api_key

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        auth: bool = True,
        idempotency_key: str | None = None,
        accept: str = "application/json",
    ) -> requests.Response:
        headers = {"Accept": accept, "User-Agent": USER_AGENT}
        token = self._bearer() if auth else None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        try:
            return self.session.request(
                method,
                f"{self.base_url}{path}",
                headers=headers,
                params=query or None,
                json=body,
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise TransportError(f"Cannot reach {self.base_url}: {exc}") from exc

    def _request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        body_fn: Callable[[], Any] | None = None,
        params: Mapping[str, Any] | None = None,
        auth: bool = True,
        idempotency_key: str | None = None,
        text: bool = False,
    ) -> Any:
        """Send one request; on an expired access token refresh once and retry once.

        ``body_fn`` builds the body per attempt, for a body that names the refresh token (which the
        refresh in between rotates). ``text``: the answer is not JSON (a CSV export); return it as it is.
        """
        refreshed = False
        accept = "text/csv, application/json" if text else "application/json"
        while True:
            payload = body_fn() if body_fn is not None else body
            response = self._send(
                method, path, body=payload, params=params, auth=auth, idempotency_key=idempotency_key, accept=accept
            )
            if response.status_code < 400 and text:
                response.encoding = response.encoding or "utf-8"
                return response.text
            if response.status_code < 400:
                if response.status_code == 204 or not response.content:
                    return None
                try:
                    return response.json()
                except ValueError as exc:
                    raise ApiError(
                        response.status_code,
                        "INVALID_RESPONSE",
                        "The API answered with something that is not JSON",
                        response.headers.get("X-Request-Id"),
                    ) from exc
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

    def _request_retrying(
        self, method: str, path: str, *, idempotency_key: str, body: Any = None, delays: Sequence[float] | None = None
    ) -> Any:
        """Send a request that carries an Idempotency-Key; retry it (same key) past network errors,
        ``502``/``503``/``504`` and ``IDEMPOTENCY_IN_PROGRESS``: the API runs it once and replays the answer."""
        delays = RETRY_DELAYS if delays is None else delays
        attempt = 0
        while True:
            try:
                return self._request(method, path, body=body, idempotency_key=idempotency_key)
            except GpuaasError as exc:
                if attempt >= len(delays) or not _retryable(exc):
                    raise
                self.sleep(delays[attempt])
                attempt += 1

    def _paginate(self, path: str, params: Mapping[str, Any] | None = None, *, auth: bool = True) -> Iterator[Any]:
        """Every item of a list, following ``next_cursor`` (a page may be empty while a cursor remains)."""
        query = dict(params or {})
        while True:
            page = self._request("GET", path, params=query, auth=auth)
            yield from page.get("items", [])
            cursor = page.get("next_cursor")
            if not cursor:
                return
            query["cursor"] = cursor

    def _adopt(self, tokens: Tokens) -> Tokens:
        self.access_token = tokens["access_token"]
        self.refresh_token = tokens.get("refresh_token") or self.refresh_token
        self.api_key = None
        if self.on_tokens is not None:
            self.on_tokens(tokens)
        return tokens

    # System and catalog ---------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self._request("GET", "/v1/health", auth=False)

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
        params = {
            "region": region,
            "gpu_model": gpu_model,
            "min_gpus": min_gpus,
            "max_price_per_hour_micros": max_price_per_hour_micros,
            "available": available,
            "limit": limit,
        }
        return self._paginate("/v1/skus", params, auth=False)

    def os_images(self, *, limit: int | None = None) -> Iterator[OsImage]:
        """The OS images an allocation can boot (public), every page."""
        return self._paginate("/v1/os-images", {"limit": limit}, auth=False)

    # Sessions -------------------------------------------------------------------------------

    def dev_token(self, user: str, org: str, role: str) -> Tokens:
        """Sign in as anyone (the local stage's dev issuer only); the client adopts the session."""
        tokens = self._request("POST", "/v1/dev/token", body={"user": user, "org": org, "role": role}, auth=False)
        return self._adopt(tokens)

    def exchange_oidc_token(self, subject_token: str, org_id: str | None = None) -> Tokens:
        """Sign in with an OIDC token from the configured issuer; the client adopts the session."""
        body: dict[str, Any] = {"grant_type": TOKEN_EXCHANGE, "subject_token": subject_token}
        if org_id:
            body["org_id"] = org_id
        return self._adopt(self._request("POST", "/v1/auth/token", body=body, auth=False))

    def refresh(self) -> Tokens:
        """Trade the refresh token for new tokens (the refresh token rotates: store the new one)."""
        if not self.refresh_token:
            raise GpuaasError("No refresh token to refresh the session with")
        body = {"grant_type": "refresh_token", "refresh_token": self.refresh_token}
        return self._adopt(self._request("POST", "/v1/auth/token", body=body, auth=False))

    def logout(self) -> None:
        """End this session on the server; its refresh tokens stop working."""

        def body() -> dict[str, Any]:
            # Built per attempt: a refresh before the retry rotates the refresh token.
            return {"refresh_token": self.refresh_token} if self.refresh_token else {}

        self._request("POST", "/v1/auth/logout", body_fn=body)
        self.access_token = self.refresh_token = None

    def logout_all(self) -> None:
        """Sign out everywhere: every session of this user stops refreshing."""
        self._request("POST", "/v1/auth/logout-all")
        self.access_token = self.refresh_token = None

    def me(self) -> Me:
        return self._request("GET", "/v1/me")

    # API keys -------------------------------------------------------------------------------

    def api_keys(self) -> Iterator[ApiKey]:
        return self._paginate("/v1/api-keys")

    def create_api_key(
        self,
        name: str,
        scopes: list[str],
        expires_in_days: int | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> CreatedApiKey:
        """Create a key; ``secret`` is in this response only, never again."""
        body: dict[str, Any] = {"name": name, "scopes": list(scopes)}
        if expires_in_days is not None:
            body["expires_in_days"] = expires_in_days
        return self._request("POST", "/v1/api-keys", body=body, idempotency_key=idempotency_key or str(uuid.uuid4()))

    def revoke_api_key(self, key_id: str) -> ApiKey:
        return self._request("POST", f"/v1/api-keys/{_segment(key_id)}/revoke")

    # SSH keys -------------------------------------------------------------------------------

    def ssh_keys(self) -> Iterator[dict[str, Any]]:
        return self._paginate("/v1/ssh-keys")

    def add_ssh_key(self, name: str, public_key: str, *, idempotency_key: str | None = None) -> dict[str, Any]:
        return self._request(
            "POST",
            "/v1/ssh-keys",
            body={"name": name, "public_key": public_key},
            idempotency_key=idempotency_key or str(uuid.uuid4()),
        )

    def delete_ssh_key(self, key_id: str) -> None:
        self._request("DELETE", f"/v1/ssh-keys/{_segment(key_id)}")

    # Allocations ----------------------------------------------------------------------------

    def create_allocation(
        self,
        sku_id: str,
        os_image_id: str,
        count: int = 1,
        *,
        ssh_key_ids: Sequence[str] | None = None,
        name: str | None = None,
        idempotency_key: str | None = None,
    ) -> Allocation:
        """Rent ``count`` slots of a SKU (all on one node); answers at once with a ``pending`` allocation.

        ``ssh_key_ids`` defaults (server side) to all of your SSH keys. The request carries an
        Idempotency-Key (a fresh UUID4 unless given) and is retried with that same key past network
        errors and ``502``/``503``/``504``, so a retry never rents twice. Then
        :meth:`wait_for_allocation` for ``active``.
        """
        body: dict[str, Any] = {"sku_id": sku_id, "os_image_id": os_image_id, "count": count}
        if ssh_key_ids is not None:
            body["ssh_key_ids"] = list(ssh_key_ids)
        if name is not None:
            body["name"] = name
        key = idempotency_key or str(uuid.uuid4())
        return self._request_retrying("POST", "/v1/allocations", body=body, idempotency_key=key)

    def allocations(self, *, state: str | None = None, limit: int | None = None) -> Iterator[Allocation]:
        """The org's allocations, newest first, every page (``limit`` is the page size)."""
        return self._paginate("/v1/allocations", {"state": state, "limit": limit})

    list_allocations = allocations

    def get_allocation(self, allocation_id: str) -> Allocation:
        return self._request("GET", f"/v1/allocations/{_segment(allocation_id)}")

    def release_allocation(self, allocation_id: str, *, idempotency_key: str | None = None) -> Allocation:
        """Give the slots back (answers ``releasing`` at once; billing stops now). Retried like a create."""
        key = idempotency_key or str(uuid.uuid4())
        return self._request_retrying("POST", f"/v1/allocations/{_segment(allocation_id)}/release", idempotency_key=key)

    def allocation_events(self, allocation_id: str, *, limit: int | None = None) -> Iterator[AllocationEvent]:
        """The allocation's history, oldest first (CloudEvents envelopes), every page."""
        return self._paginate(f"/v1/allocations/{_segment(allocation_id)}/events", {"limit": limit})

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
                if last is None or allocation.get("state") != last.get("state"):
                    interval = poll_interval  # something moves: look again soon
                    if on_change is not None:
                        on_change(allocation)
                last = allocation
                if allocation.get("state") in wanted:
                    return allocation
            remaining = deadline - self.clock()
            if remaining <= 0 and last is not None:
                raise WaitTimeout(last, timeout)
            self.sleep(max(0.0, min(max(interval, wait_at_least), remaining)))
            interval = min(interval * 1.5, max(max_poll_interval, poll_interval))

    # Billing --------------------------------------------------------------------------------
    # Money is integer micro-units of the org's currency (1 USD = 1_000_000), in and out.

    def balance(self) -> Balance:
        """The balance now (settled less what is used but not yet settled), the burn rate of the active
        allocations, the runway at that burn (``None`` when nothing burns) and the frozen/depleted flags."""
        return self._request("GET", "/v1/billing/balance")

    def ledger(
        self,
        *,
        since: str | date | None = None,
        until: str | date | None = None,
        limit: int | None = None,
    ) -> Iterator[LedgerEntry]:
        """The org's ledger, newest first, every page (``limit`` is the page size). ``since`` (inclusive)
        and ``until`` (exclusive) are ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SS.mmmZ`` (or a date/datetime)."""
        return self._paginate("/v1/billing/ledger", {"since": _when(since), "until": _when(until), "limit": limit})

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
        params = {"since": _when(since), "until": _when(until), "limit": limit, "cursor": cursor, "format": "csv"}
        return self._request("GET", "/v1/billing/ledger", params=params, text=True)

    def usage(self, since: str | date | None = None, until: str | date | None = None) -> Usage:
        """Seconds and charges per day and per allocation, days ``since`` to ``until`` inclusive
        (``YYYY-MM-DD``, UTC; by default the last 30 days)."""
        return self._request("GET", "/v1/billing/usage", params={"since": _when(since), "until": _when(until)})

    def usage_csv(self, since: str | date | None = None, until: str | date | None = None) -> str:
        """The usage rows as CSV: ``day,allocation_id,sku_id,seconds,micros``."""
        params = {"since": _when(since), "until": _when(until), "format": "csv"}
        return self._request("GET", "/v1/billing/usage", params=params, text=True)

    def statement(self, month: str) -> Statement:
        """A calendar month (``YYYY-MM``, UTC): opening balance, movements by kind, closing balance, entries."""
        return self._request("GET", f"/v1/billing/statements/{_segment(month)}")

    def spend_cap(self) -> SpendCap:
        """The org's daily spend cap (``daily_cap_micros`` is ``None`` when there is none)."""
        return self._request("GET", "/v1/billing/spend-cap")

    def set_spend_cap(self, daily_cap_micros: int | None) -> SpendCap:
        """Set the daily spend cap (``None`` clears it); new allocations stop at it. Owners, with a session."""
        body = {"daily_cap_micros": _micros(daily_cap_micros, "daily_cap_micros", optional=True)}
        return self._request("PUT", "/v1/billing/spend-cap", body=body)

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
        body: dict[str, Any] = {"amount_micros": _micros(amount_micros, "amount_micros")}
        if success_url is not None:
            body["success_url"] = success_url
        if cancel_url is not None:
            body["cancel_url"] = cancel_url
        key = idempotency_key or str(uuid.uuid4())
        return self._request_retrying("POST", "/v1/billing/checkout", body=body, idempotency_key=key)

    def dev_complete_checkout(self, checkout_session_id: str) -> Any:
        """Pay a checkout without paying (the local stage's dev route only): the API delivers the signed
        payment webhook to itself, as the payment provider would."""
        return self._request("POST", f"/v1/dev/stripe/checkout/{_segment(checkout_session_id)}/complete")

    # Members --------------------------------------------------------------------------------

    def members(self) -> Iterator[Member]:
        return self._paginate("/v1/members")

    def add_member(self, user_id: str, role: str, *, idempotency_key: str | None = None) -> Member:
        return self._request(
            "POST",
            "/v1/members",
            body={"user_id": user_id, "role": role},
            idempotency_key=idempotency_key or str(uuid.uuid4()),
        )

    def set_member_role(self, user_id: str, role: str) -> Member:
        return self._request("PATCH", f"/v1/members/{_segment(user_id)}", body={"role": role})

    def remove_member(self, user_id: str) -> None:
        self._request("DELETE", f"/v1/members/{_segment(user_id)}")

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
    ) -> Iterator[dict[str, Any]]:
        """The org's audit trail, newest first, every page."""
        params = {"actor": actor, "action": action, "target": target, "since": since, "until": until, "limit": limit}
        return self._paginate("/v1/audit", params)
