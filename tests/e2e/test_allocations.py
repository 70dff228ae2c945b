"""Renting a GPU end to end: real agents (sandbox executor) on the local cloud, Step Functions on moto."""

from __future__ import annotations

import os
import pwd
import time

import pytest

from tests.e2e.fleet_helpers import rentable_fleet

pytestmark = pytest.mark.e2e


@pytest.fixture
def fleet(api, cloud):
    rentable = rentable_fleet(api, cloud, hosts=1, gpus_per_host=8, sku_gpus=2, name="life")
    yield rentable
    rentable.agents.signal_stop()
    rentable.agents.wait()


def test_create_active_release_released(fleet):
    assert fleet.free_slots() == 4
    started = time.monotonic()
    r = fleet.create(count=2)
    assert r.status_code == 202, r.text
    allocation = r.json()
    assert allocation["state"] == "pending" and allocation["allowed_actions"] == ["release"]
    active = fleet.wait_for(allocation["id"], "active", "failed", timeout=10)
    elapsed = time.monotonic() - started
    assert active["state"] == "active", active
    assert elapsed < 5, f"active after {elapsed:.2f} s"
    assert fleet.free_slots() == 2
    connection = active["connection"]
    # A demo host's sshd: on loopback, logging in the agent's own account (node_agent/README.md, SSH).
    user = pwd.getpwuid(os.geteuid()).pw_name
    assert connection["host"] == "127.0.0.1" and connection["user"] == user and connection["port"] > 0
    assert connection["command"] == f"ssh -p {connection['port']} {user}@127.0.0.1"
    assert connection["known_hosts"].startswith(f"[127.0.0.1]:{connection['port']} ssh-ed25519 ")
    sandbox = fleet.sandbox("life-00.fleet", allocation["id"])
    authorized = (sandbox / "ssh" / "authorized_keys").read_text()
    assert fleet.ssh_key["public_key"] in authorized
    assert sorted(int(x) for x in (sandbox / "gpus").read_text().split()) == sorted(
        g for s in active["slots"] for g in s["gpu_indexes"]
    )

    r = fleet.release(allocation["id"])
    assert r.status_code == 202 and r.json()["state"] == "releasing"
    released = fleet.wait_for(allocation["id"], "released", timeout=10)
    assert released["state"] == "released" and released["connection"] is None
    assert fleet.free_slots() == 4
    assert not sandbox.exists()
    again = fleet.release(allocation["id"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "INVALID_ALLOCATION_STATE"

    events = fleet.api.request(
        "GET", f"/v1/allocations/{allocation['id']}/events", role=None, headers=fleet.customer
    ).json()["items"]
    assert [e["type"] for e in events] == [
        "allocation.requested",
        "allocation.provisioning",
        "allocation.active",
        "allocation.releasing",
        "allocation.released",
    ]


def test_bad_requests_change_nothing(fleet, api):
    body = {"sku_id": fleet.sku["id"], "os_image_id": fleet.image["id"]}
    headers = {**fleet.customer, "Idempotency-Key": "k-1"}

    def post(json, headers=headers):
        return api.request("POST", "/v1/allocations", role=None, headers=headers, json=json)

    no_key = post(body, headers=fleet.customer)
    assert no_key.status_code == 400 and no_key.json()["error"]["code"] == "INVALID_IDEMPOTENCY_KEY"
    cases = [
        ({**body, "sku_id": "sku_01aaaaaaaaaaaaaaaaaaaaaaaa"}, 404, "SKU_NOT_FOUND"),
        ({**body, "os_image_id": "img_01aaaaaaaaaaaaaaaaaaaaaaaa"}, 404, "OS_IMAGE_NOT_FOUND"),
        ({**body, "count": 5}, 409, "INSUFFICIENT_CAPACITY"),
        ({**body, "count": 9}, 400, "VALIDATION_ERROR"),
        ({**body, "count": "1"}, 400, "VALIDATION_ERROR"),
        ({**body, "ssh_key_ids": ["ssh_01aaaaaaaaaaaaaaaaaaaaaaaa"]}, 404, "SSH_KEY_NOT_FOUND"),
        ({**body, "surprise": True}, 400, "VALIDATION_ERROR"),
    ]
    for i, (json, status, code) in enumerate(cases):
        r = post(json, headers={**fleet.customer, "Idempotency-Key": f"bad-{i}"})
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), json
    keyless = {"Authorization": f"Bearer {api.token('member', user='keyless', org='life-org')}"}
    r = post(body, headers={**keyless, "Idempotency-Key": "k-2"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "NO_SSH_KEYS"
    viewer = {"Authorization": f"Bearer {api.token('viewer', user='watcher', org='life-org')}"}
    assert post(body, headers={**viewer, "Idempotency-Key": "k-3"}).status_code == 403
    assert fleet.free_slots() == 4
    assert api.request("GET", "/v1/allocations", role=None, headers=fleet.customer).json()["items"] == []


def test_a_retried_create_gets_the_same_allocation_and_other_orgs_see_nothing(fleet, api):
    body = {"sku_id": fleet.sku["id"], "os_image_id": fleet.image["id"]}
    headers = {**fleet.customer, "Idempotency-Key": "same-key"}
    first = api.request("POST", "/v1/allocations", role=None, headers=headers, json=body)
    second = api.request("POST", "/v1/allocations", role=None, headers=headers, json=body)
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    reused = api.request("POST", "/v1/allocations", role=None, headers=headers, json={**body, "count": 2})
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert fleet.free_slots() == 3
    allocation_id = first.json()["id"]
    stranger = {"Authorization": f"Bearer {api.token('owner', user='stranger', org='elsewhere')}"}
    for method, path in [
        ("GET", f"/v1/allocations/{allocation_id}"),
        ("GET", f"/v1/allocations/{allocation_id}/events"),
        ("POST", f"/v1/allocations/{allocation_id}/release"),
    ]:
        r = api.request(method, path, role=None, headers=stranger)
        assert r.status_code == 404 and r.json()["error"]["code"] == "ALLOCATION_NOT_FOUND"
    assert api.request("GET", "/v1/allocations", role=None, headers=stranger).json()["items"] == []
    mine = api.request("GET", "/v1/allocations", role=None, headers=fleet.customer).json()["items"]
    assert [a["id"] for a in mine] == [allocation_id]
    bad_state = api.request("GET", "/v1/allocations?state=sleeping", role=None, headers=fleet.customer)
    assert bad_state.status_code == 400
    fleet.wait_for(allocation_id, "active")
