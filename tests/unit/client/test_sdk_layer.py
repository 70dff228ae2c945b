"""The SDK's hand-written layer over the generated one, against httpx's own mock transport: retries
reuse one Idempotency-Key, wait_until_active, what the generated operations put on the wire."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import httpx
import pytest
from gpuaas_client import sdk
from gpuaas_client.sdk import AllocationFailed, ApiError, Client, TransportError

from tests.unit.client.api_samples import api_object

pytestmark = pytest.mark.unit

BASE = "http://api.test"


def client(handler: Callable[[httpx.Request], httpx.Response], base: str = BASE, **kwargs) -> Client:
    c = Client(base, http_client=httpx.Client(base_url=base, transport=httpx.MockTransport(handler)), **kwargs)
    c.sleep = lambda _seconds: None
    return c


def allocation(**fields) -> dict:
    return api_object("Allocation", **fields)


def envelope(code: str) -> dict:
    return {"error": {"code": code, "message": "m", "request_id": "r"}}


def test_a_create_is_retried_with_the_same_idempotency_key_past_5xx_and_network_errors():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            raise httpx.ConnectError("reset", request=request)
        if len(seen) == 2:
            return httpx.Response(503, json=envelope("SERVICE_UNAVAILABLE"))
        if len(seen) == 3:
            return httpx.Response(409, json=envelope("IDEMPOTENCY_IN_PROGRESS"))
        return httpx.Response(202, json=allocation(id="alc_1", state="pending"))

    created = client(handler, api_key="gpk_x").create_allocation("sku_1", "img_1", 2, ssh_key_ids=["ssh_1"])
    assert created.to_dict() == allocation(id="alc_1", state="pending")
    keys = {r.headers["Idempotency-Key"] for r in seen}
    assert len(seen) == 4 and len(keys) == 1 and uuid.UUID(keys.pop()).version == 4
    body = {"sku_id": "sku_1", "os_image_id": "img_1", "count": 2, "ssh_key_ids": ["ssh_1"]}
    assert json.loads(seen[-1].content) == body
    assert seen[-1].headers["Authorization"] == "Bearer gpk_x"


def test_retries_give_up_after_the_last_delay_with_the_last_error():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(502, text="<html>bad gateway</html>")

    with pytest.raises(ApiError) as caught:
        client(handler, api_key="gpk_x").release_allocation("alc_1")
    assert caught.value.code == "HTTP_502" and len(calls) == len(sdk.RETRY_DELAYS) + 1
    assert str(calls[0].url) == f"{BASE}/v1/allocations/alc_1/release"


def test_a_4xx_is_not_retried():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(402, json=envelope("INSUFFICIENT_FUNDS"))

    with pytest.raises(ApiError) as caught:
        client(handler, api_key="gpk_x").checkout(5_000_000)
    assert caught.value.code == "INSUFFICIENT_FUNDS" and len(calls) == 1


def test_a_network_error_is_a_transport_error():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(TransportError):
        client(handler).health()


def test_a_success_that_is_not_json_is_an_invalid_response():
    with pytest.raises(ApiError) as caught:
        client(lambda _r: httpx.Response(200, text="not json")).me()
    assert caught.value.code == "INVALID_RESPONSE"


def test_a_base_url_with_a_stage_path_keeps_it():
    urls = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        return httpx.Response(200, json={"status": "ok", "stage": "local"})

    client(handler, base="https://x.example/api").health()
    assert urls == ["https://x.example/api/v1/health"]


def test_wait_until_active_returns_the_active_allocation():
    states = iter(["pending", "provisioning", "active"])

    def handler(request: httpx.Request) -> httpx.Response:
        connection = {"host": "h", "port": 22, "user": "u", "command": "ssh x", "known_hosts": None,
                      "host_key_fingerprint": None}  # fmt: skip
        return httpx.Response(200, json=allocation(id="alc_1", state=next(states), connection=connection))

    seen: list[str] = []
    active = client(handler, api_key="k").wait_until_active("alc_1", on_change=lambda a: seen.append(a.state))
    assert active.connection is not None and active.connection.command == "ssh x"
    assert seen == ["pending", "provisioning", "active"]


def test_wait_until_active_raises_when_it_fails_instead():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=allocation(id="alc_1", state="failed", reason="NO_CAPACITY"))

    with pytest.raises(AllocationFailed) as caught:
        client(handler, api_key="k").wait_until_active("alc_1")
    assert caught.value.allocation.reason == "NO_CAPACITY" and "NO_CAPACITY" in str(caught.value)


def test_timestamps_come_back_as_the_api_wrote_them():
    body = allocation(id="alc_1", state="active", created_at="2026-01-02T03:04:05.006Z")
    got = client(lambda _r: httpx.Response(200, json=body), api_key="k").get_allocation("alc_1")
    assert got.created_at == "2026-01-02T03:04:05.006Z" and got.to_dict() == body


def test_an_answer_that_is_not_the_documented_shape_is_an_invalid_response():
    with pytest.raises(ApiError) as caught:
        client(lambda _r: httpx.Response(200, json={"id": "alc_1"}), api_key="k").get_allocation("alc_1")
    assert caught.value.code == "INVALID_RESPONSE" and caught.value.status == 200


def test_the_ledger_csv_asks_for_csv_with_the_generated_query():
    requests = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, text="at,id\n", headers={"Content-Type": "text/csv"})

    csv = client(handler, api_key="k").ledger_csv(since="2026-01-01", limit=5)
    assert csv == "at,id\n"
    assert dict(requests[0].url.params) == {"limit": "5", "since": "2026-01-01", "format": "csv"}
    assert "text/csv" in requests[0].headers["Accept"]


def test_the_public_names_are_the_generated_models():
    import gpuaas_client
    from gpuaas_client._api import models

    assert gpuaas_client.Allocation is models.Allocation and gpuaas_client.Sku is models.Sku
    assert gpuaas_client.AllocationEvent is models.CloudEvent and gpuaas_client.CreatedApiKey is models.NewApiKey
    assert not [
        name for name, value in vars(sdk).items() if getattr(value, "__total__", None) is not None
    ]  # no TypedDict
