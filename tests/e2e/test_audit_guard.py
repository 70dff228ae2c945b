"""Guard: every privileged mutation writes an audit record, in the same transaction as the change.

A new mutating admin route (or members/api-keys route) without a request here fails the test,
and so does one whose success leaves no audit record carrying its request id.
"""

from __future__ import annotations

import time

import pytest

from tests.e2e.helpers import sku_body

pytestmark = pytest.mark.e2e

PRIVILEGED_ACTIONS = {"members:write", "api_keys:write", "billing:spend_cap"}


def _sku(api) -> dict:
    return api.post("/v1/admin/skus", json=sku_body(name="guard-sku")).json()


def _other_user(api) -> str:
    r = api.session.post(
        f"{api.base_url}/v1/dev/token", json={"user": "guard-other", "org": "guard-elsewhere", "role": "owner"}
    )
    return r.json()["user_id"]


def _member(api) -> str:
    user_id = _other_user(api)
    api.post("/v1/members", json={"user_id": user_id, "role": "viewer"}, role="owner")
    return user_id


def _node(api) -> str:
    body = {"hostname": "gpu-drain.fleet", "sku_id": _sku(api)["id"], "gpu_model": "H100-80GB-SXM", "gpu_count": 8}
    return api.post("/v1/admin/nodes", json=body).json()["id"]


def _drained_node(api) -> str:
    node_id = _node(api)
    api.post(f"/v1/admin/nodes/{node_id}/drain", json={"reason": "maintenance"})
    return node_id


def _key(api) -> str:
    return api.post("/v1/api-keys", json={"name": "g", "scopes": ["read"]}, role="owner").json()["id"]


def _refund(api):
    """A customer's paid top-up (through the local Stripe), then the operator refunds part of it."""
    owner = {"Authorization": f"Bearer {api.token('owner', user='guard-payer', org='guard-payer-org')}"}
    org_id = api.request("GET", "/v1/me", role=None, headers=owner).json()["org"]["id"]
    checkout = api.request("POST", "/v1/billing/checkout", role=None, headers=owner, json={"amount_micros": 10_000_000})
    api.session.post(checkout.json()["url"])
    body = {
        "org_id": org_id,
        "payment_id": checkout.json()["payment_id"],
        "amount_micros": 1_000_000,
        "reason": "guard",
    }
    return api.post("/v1/admin/refunds", json=body)


def _active_allocation(api) -> str:
    """A customer's allocation made active by a scripted host."""
    import uuid

    from tests.e2e.fleet_helpers import customer_with_key, scripted_host

    sku = _sku(api)
    image = {"name": "guard-rent-image", "family": "ubuntu", "version": "22.04", "container_image": "nvidia/cuda:12"}
    image_id = api.post("/v1/admin/os-images", json=image).json()["id"]
    host = scripted_host(api, sku, "gpu-guard-rent.fleet", gpus=1)
    customer = customer_with_key(api, "guard-renter")
    headers = {**customer, "Idempotency-Key": str(uuid.uuid4())}
    body = {"sku_id": sku["id"], "os_image_id": image_id}
    allocation = api.request("POST", "/v1/allocations", role=None, headers=headers, json=body).json()
    [command] = host.commands()
    host.provisioned(command)
    for _ in range(100):
        if (
            api.request("GET", f"/v1/allocations/{allocation['id']}", role=None, headers=customer).json()["state"]
            == "active"
        ):
            break
        time.sleep(0.05)
    return allocation["id"]


REQUESTS = {
    ("POST", "/v1/admin/skus"): lambda api: api.post("/v1/admin/skus", json=sku_body(name="guarded")),
    ("PATCH", "/v1/admin/skus/{sku_id}"): lambda api: api.patch(
        f"/v1/admin/skus/{_sku(api)['id']}", json={"price_per_hour_micros": 1}
    ),
    ("POST", "/v1/admin/skus/{sku_id}/retire"): lambda api: api.post(f"/v1/admin/skus/{_sku(api)['id']}/retire"),
    ("POST", "/v1/admin/os-images"): lambda api: api.post(
        "/v1/admin/os-images",
        json={"name": "guard-image", "family": "ubuntu", "version": "22.04", "container_image": "nvidia/cuda:12.4.1"},
    ),
    ("POST", "/v1/admin/nodes"): lambda api: api.post(
        "/v1/admin/nodes",
        json={"hostname": "gpu-guard.fleet", "sku_id": _sku(api)["id"], "gpu_model": "H100-80GB-SXM", "gpu_count": 8},
    ),
    ("POST", "/v1/admin/nodes/{node_id}/drain"): lambda api: api.post(
        f"/v1/admin/nodes/{_node(api)}/drain", json={"reason": "maintenance"}
    ),
    ("POST", "/v1/admin/nodes/{node_id}/undrain"): lambda api: api.post(
        f"/v1/admin/nodes/{_drained_node(api)}/undrain"
    ),
    ("POST", "/v1/admin/bootstrap-tokens"): lambda api: api.post(
        "/v1/admin/bootstrap-tokens", json={"sku_id": _sku(api)["id"], "ttl_seconds": 600}
    ),
    ("POST", "/v1/members"): lambda api: api.post(
        "/v1/members", json={"user_id": _other_user(api), "role": "viewer"}, role="owner"
    ),
    ("PATCH", "/v1/members/{user_id}"): lambda api: api.patch(
        f"/v1/members/{_member(api)}", json={"role": "member"}, role="owner"
    ),
    ("DELETE", "/v1/members/{user_id}"): lambda api: api.request("DELETE", f"/v1/members/{_member(api)}", role="owner"),
    ("POST", "/v1/api-keys"): lambda api: api.post(
        "/v1/api-keys", json={"name": "guard", "scopes": ["read"]}, role="owner"
    ),
    ("POST", "/v1/api-keys/{key_id}/revoke"): lambda api: api.post(f"/v1/api-keys/{_key(api)}/revoke", role="owner"),
    ("POST", "/v1/admin/refunds"): _refund,
    ("PATCH", "/v1/admin/billing-policy"): lambda api: api.patch(
        "/v1/admin/billing-policy", json={"grace_seconds": 120}
    ),
    ("POST", "/v1/admin/allocations/{allocation_id}/force-release"): lambda api: api.post(
        f"/v1/admin/allocations/{_active_allocation(api)}/force-release", json={"reason": "abuse report"}
    ),
    ("PUT", "/v1/billing/spend-cap"): lambda api: api.request(
        "PUT", "/v1/billing/spend-cap", json={"daily_cap_micros": 5_000_000}, role="owner"
    ),
}


def privileged_mutations():
    from app import api as app_api

    return sorted(
        (spec.method, spec.path)
        for spec in app_api.routes
        if spec.method != "GET" and (spec.action.startswith("admin:") or spec.action in PRIVILEGED_ACTIONS)
    )


def test_every_privileged_mutation_has_a_guard_request():
    missing = [route for route in privileged_mutations() if route not in REQUESTS]
    assert not missing, f"Add a request for these routes to REQUESTS: {missing}"


@pytest.mark.parametrize("route", privileged_mutations(), ids=lambda r: f"{r[0]} {r[1]}")
def test_privileged_mutation_writes_an_audit_record(api, route):
    response = REQUESTS[route](api)
    assert response.status_code < 300, response.text
    request_id = response.headers["X-Request-Id"]
    trail = api.get("/v1/admin/audit?limit=200").json()["items"]
    records = [r for r in trail if r["request_id"] == request_id]
    assert records, f"{route} changed state without an audit record"
    assert all(r["before"] is not None or r["after"] is not None for r in records)
