"""A thin HTTP client for the local cloud's API, and table inspection for "nothing written" checks."""

from __future__ import annotations

from typing import Any

import boto3
import requests


class ApiClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self._tokens: dict[tuple[str, str, str], str] = {}

    def token(self, role: str = "operator", user: str | None = None, org: str = "gpuaas-ops") -> str:
        # One user per role: the dev issuer sets the user's role in the org, so sharing a user
        # between roles would demote (or refuse to demote) the previous holder.
        user = user or f"{role}-user"
        key = (user, org, role)
        if key not in self._tokens:
            r = self.session.post(f"{self.base_url}/v1/dev/token", json={"user": user, "org": org, "role": role})
            assert r.status_code == 200, r.text
            self._tokens[key] = r.json()["access_token"]
        return self._tokens[key]

    def request(self, method: str, path: str, *, role: str | None = "operator", **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if role is not None:
            headers.setdefault("Authorization", f"Bearer {self.token(role)}")
        return self.session.request(method, f"{self.base_url}{path}", headers=headers, timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
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
