"""The local cloud's API through the SDK, and table inspection for "nothing written" checks."""

from __future__ import annotations

import email
from email.message import Message
from typing import Any

import boto3
import httpx
from gpuaas_client import Client


class ApiClient:
    """Signs users in with the SDK (the dev issuer) and hands out SDK clients for typed calls.

    ``request`` (and ``get``/``post``/``patch``) stays a raw transport for the tests that send
    deliberately bad requests and read the status: it goes out on ``session``, the SDK's own
    ``httpx.Client``, so there is one HTTP client in the tests, not two.
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.sdk = Client(base_url)  # signed in as nobody: owns the connection pool
        self.session: httpx.Client = self.sdk.http
        self._tokens: dict[tuple[str, str, str], str] = {}

    def token(self, role: str = "operator", user: str | None = None, org: str = "gpuaas-ops") -> str:
        # One user per role: the dev issuer sets the user's role in the org, so sharing a user
        # between roles would demote (or refuse to demote) the previous holder.
        user = user or f"{role}-user"
        key = (user, org, role)
        if key not in self._tokens:
            self._tokens[key] = Client(self.base_url, http_client=self.session).dev_token(user, org, role).access_token
        return self._tokens[key]

    def client(self, role: str = "operator", user: str | None = None, org: str = "gpuaas-ops") -> Client:
        """An SDK client signed in as ``role`` (the same user as ``token``), on the same connection pool."""
        return Client(self.base_url, access_token=self.token(role, user, org), http_client=self.session)

    def request(self, method: str, path: str, *, role: str | None = "operator", **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if role is not None:
            headers.setdefault("Authorization", f"Bearer {self.token(role)}")
        if isinstance(kwargs.get("data"), str | bytes):
            kwargs["content"] = kwargs.pop("data")  # a raw body (httpx's data= is for forms)
        return self.session.request(method, path, headers=headers, timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)


def sku_body(name: str = "h100-80gb-x1", **overrides: Any) -> dict[str, Any]:
    body = {
        "name": name,
        "gpu_model": "H100-80GB-SXM",
        "gpus": 1,
        "vcpus": 26,
        "ram_gib": 225,
        "disk_gib": 2000,
        "region": "us-east-1",
        "price_per_hour_micros": 2_490_000,
        "currency": "USD",
    }
    body.update(overrides)
    return body


def table_items(table_name: str, *, with_rate_counters: bool = False) -> list[dict[str, Any]]:
    """Every item of the table (a scan: for test assertions only, never in product code).

    Rate-limit counters are left out unless asked for: every request spends budget, refused or
    not, and that bookkeeping is not the state a refused request must leave untouched.
    """
    client = boto3.client("dynamodb")
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table_name, "ConsistentRead": True}
    while True:
        page = client.scan(**kwargs)
        items += [i for i in page["Items"] if with_rate_counters or i.get("type", {}).get("S") != "rate"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def items_of_type(table_name: str, type_: str) -> list[dict[str, Any]]:
    return [i for i in table_items(table_name) if i.get("type", {}).get("S") == type_]


def emails_sent_to(cloud: Any, address: str) -> list[Message]:
    """What moto's SES sent to ``address`` (the server runs in this process: its backend is readable)."""
    from moto.ses.models import RawMessage, ses_backends

    from localcloud.bootstrap import ACCOUNT_ID

    sent = ses_backends[ACCOUNT_ID][cloud.region].sent_messages
    messages = [email.message_from_string(m.raw_data) for m in sent if isinstance(m, RawMessage)]
    return [m for m in messages if address in str(m["To"])]
