"""A host joins the fleet: bootstrap token -> registration -> node token -> queue credentials -> heartbeats."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.helpers import sku_body

pytestmark = pytest.mark.e2e


def gpus(n: int, model: str = "NVIDIA H100 80GB HBM3") -> list[dict]:
    return [
        {
            "index": i,
            "uuid": f"GPU-{i:08d}-0000-0000-0000-000000000000",
            "model": model,
            "memory_total_bytes": 85899345920,
        }
        for i in range(n)
    ]


def registration(token: str, hostname: str = "gpu-101.fleet", n: int = 8, **overrides) -> dict:
    body = {
        "bootstrap_token": token,
        "hostname": hostname,
        "agent_version": "0.1.0",
        "protocol_versions": [1],
        "executors": ["sandbox"],
        "gpus": gpus(n),
    }
    body.update(overrides)
    return body


def healthy_telemetry(n: int) -> list[dict]:
    return [
        {
            **g,
            "memory_used_bytes": 0,
            "utilization_percent": 0,
            "temperature_c": 31,
            "power_watts": 71.5,
            "ecc_uncorrected_errors": 0,
            "xid_errors": 0,
        }
        for g in gpus(n)
    ]


def heartbeat(node_id: str, telemetry: list[dict]) -> dict:
    return {
        "node_id": node_id,
        "sent_at": "2026-11-26T12:00:00.000Z",
        "agent_version": "0.1.0",
        "running_commands": [],
        "nvml": {"available": True, "driver_version": "570.86.15", "error": None},
        "gpus": telemetry,
    }


@pytest.fixture
def sku(api) -> dict:
    return api.post("/v1/admin/skus", json=sku_body(gpus=2, name="h100-x2")).json()


def bootstrap_token(api, sku: dict) -> str:
    r = api.post("/v1/admin/bootstrap-tokens", json={"sku_id": sku["id"], "ttl_seconds": 600})
    assert r.status_code == 201, r.text
    return r.json()["token"]


def node_call(api, method: str, path: str, node_token: str, **kwargs):
    return api.request(method, path, role=None, headers={"Authorization": f"Bearer {node_token}"}, **kwargs)


def test_a_host_registers_once_and_its_slots_join_the_catalog(api, sku):
    token = bootstrap_token(api, sku)
    r = api.post("/v1/agent/register", role=None, json=registration(token))
    assert r.status_code == 201, r.text
    node = r.json()
    assert node["node_token"].startswith(f"gpn_{node['node_id']}_")
    assert node["queue_url"].endswith(f"node-{node['node_id']}.fifo")
    listed = api.get(f"/v1/admin/nodes/{node['node_id']}").json()
    assert (listed["slot_count"], listed["hostname"]) == (4, "gpu-101.fleet")
    assert api.get(f"/v1/skus/{sku['id']}", role=None).json()["free_slots"] == 4
    again = api.post("/v1/agent/register", role=None, json=registration(token, hostname="gpu-102.fleet"))
    assert again.status_code == 401 and again.json()["error"]["code"] == "INVALID_TOKEN"


def test_racing_hosts_cannot_share_one_bootstrap_token(api, sku, table):
    token = bootstrap_token(api, sku)

    def join(i: int):
        return api.post("/v1/agent/register", role=None, json=registration(token, hostname=f"gpu-{i:03d}.fleet"))

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = Counter(r.status_code for r in pool.map(join, range(10)))
    assert statuses == {201: 1, 401: 9}, statuses
    from tests.e2e.helpers import items_of_type

    assert len(items_of_type(table, "node")) == 1


def test_registration_refuses_bad_tokens_protocols_and_shapes(api, sku):
    token = bootstrap_token(api, sku)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for bad, code in [(forged, "INVALID_TOKEN"), ("gpb_nope", "INVALID_TOKEN")]:
        r = api.post("/v1/agent/register", role=None, json=registration(bad))
        assert r.status_code == 401 and r.json()["error"]["code"] == code
    r = api.post("/v1/agent/register", role=None, json=registration(token, protocol_versions=[2]))
    assert r.status_code == 422 and r.json()["error"]["code"] == "UNSUPPORTED_PROTOCOL"
    r = api.post("/v1/agent/register", role=None, json=registration(token, n=3))
    assert r.status_code == 422 and r.json()["error"]["code"] == "SKU_MISMATCH"
    # None of the refusals spent the token.
    assert api.post("/v1/agent/register", role=None, json=registration(token)).status_code == 201


def test_node_tokens_open_agent_routes_only(api, sku):
    node = api.post("/v1/agent/register", role=None, json=registration(bootstrap_token(api, sku))).json()
    t = node["node_token"]
    for method, path in [
        ("GET", "/v1/me"),
        ("GET", "/v1/admin/nodes"),
        ("GET", "/v1/members"),
        ("GET", "/v1/api-keys"),
    ]:
        r = node_call(api, method, path, t)
        assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN", path
    # And a person's token does not open agent routes.
    r = api.post("/v1/agent/credentials")
    assert r.status_code == 403
    forged = t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB")
    assert node_call(api, "POST", "/v1/agent/credentials", forged).status_code == 401


def test_queue_credentials_are_scoped_to_the_node_queue(api, sku, cloud):
    from moto.iam.access_control import IAMPolicy

    from chalicelib.adapters.node_queues import agent_session_policy

    one = api.post("/v1/agent/register", role=None, json=registration(bootstrap_token(api, sku), "gpu-a.fleet")).json()
    two = api.post("/v1/agent/register", role=None, json=registration(bootstrap_token(api, sku), "gpu-b.fleet")).json()
    r = node_call(api, "POST", "/v1/agent/credentials", one["node_token"])
    assert r.status_code == 200, r.text
    creds = r.json()
    assert creds["queue_url"] == one["queue_url"] and creds["session_token"]
    sqs = cloud.client("sqs")
    arn = {
        n["node_id"]: sqs.get_queue_attributes(QueueUrl=n["queue_url"], AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        for n in (one, two)
    }
    policy = IAMPolicy(json.dumps(agent_session_policy(arn[one["node_id"]])))
    assert policy.is_action_permitted("sqs:ReceiveMessage", arn[one["node_id"]]).name == "PERMITTED"
    assert policy.is_action_permitted("sqs:DeleteMessage", arn[one["node_id"]]).name == "PERMITTED"
    assert policy.is_action_permitted("sqs:ReceiveMessage", arn[two["node_id"]]).name != "PERMITTED"
    assert policy.is_action_permitted("sqs:SendMessage", arn[one["node_id"]]).name != "PERMITTED"


def test_heartbeats_carry_telemetry_and_only_for_oneself(api, sku):
    one = api.post("/v1/agent/register", role=None, json=registration(bootstrap_token(api, sku), "gpu-c.fleet")).json()
    two = api.post("/v1/agent/register", role=None, json=registration(bootstrap_token(api, sku), "gpu-d.fleet")).json()
    telemetry = healthy_telemetry(8)
    beat = heartbeat(one["node_id"], telemetry)
    r = node_call(api, "POST", "/v1/agent/heartbeat", one["node_token"], json=beat)
    assert r.status_code == 200 and r.json()["next_heartbeat_seconds"] >= 15
    r = node_call(api, "POST", "/v1/agent/heartbeat", two["node_token"], json=beat)
    assert r.status_code == 403
    no_driver = {
        **beat,
        "nvml": {"available": False, "driver_version": None, "error": "NVML Shared Library Not Found"},
        "gpus": [],
    }
    assert node_call(api, "POST", "/v1/agent/heartbeat", one["node_token"], json=no_driver).status_code == 200
    assert (
        node_call(
            api, "POST", "/v1/agent/heartbeat", one["node_token"], json={**beat, "gpus": [{"index": 0}]}
        ).status_code
        == 400
    )


def test_gpu_errors_in_a_heartbeat_drain_the_node(api, sku, cloud):
    node = api.post("/v1/agent/register", role=None, json=registration(bootstrap_token(api, sku), "gpu-e.fleet")).json()
    healthy = healthy_telemetry(8)
    beat = heartbeat(node["node_id"], healthy)
    assert node_call(api, "POST", "/v1/agent/heartbeat", node["node_token"], json=beat).status_code == 200
    assert api.get(f"/v1/admin/nodes/{node['node_id']}").json()["status"] == "active"
    faulty = [dict(g) for g in healthy]
    faulty[3]["xid_errors"] = 2
    faulty[5]["ecc_uncorrected_errors"] = 1
    for _ in range(2):  # the second report of the same counts changes nothing more
        r = node_call(api, "POST", "/v1/agent/heartbeat", node["node_token"], json={**beat, "gpus": faulty})
        assert r.status_code == 200, r.text
    drained = api.get(f"/v1/admin/nodes/{node['node_id']}").json()
    assert (drained["status"], drained["version"]) == ("draining", 2)
    assert api.get(f"/v1/skus/{sku['id']}", role=None).json()["free_slots"] == 0
    cloud.drain()
    events = api.get(f"/v1/admin/events?subject={node['node_id']}").json()["items"]
    assert [e["type"] for e in events] == ["node.created", "node.drained"]
    assert "GPU 3" in events[1]["data"]["reason"] and "ECC" in events[1]["data"]["reason"]


def test_silent_nodes_turn_suspect_then_down_and_recover_when_heartbeats_resume(api, sku, cloud):
    from datetime import UTC, datetime, timedelta

    from tests.support.contracts import load_function_event

    node = api.post("/v1/agent/register", role=None, json=registration(bootstrap_token(api, sku), "gpu-s.fleet")).json()
    no_driver = {"available": False, "driver_version": None, "error": "simulated"}
    beat = {**heartbeat(node["node_id"], []), "nvml": no_driver}
    assert node_call(api, "POST", "/v1/agent/heartbeat", node["node_token"], json=beat).status_code == 200
    operator_node = api.post(
        "/v1/admin/nodes",
        json={"hostname": "gpu-manual.fleet", "sku_id": sku["id"], "gpu_model": sku["gpu_model"], "gpu_count": 8},
    ).json()

    def sweep(after_seconds: int) -> dict:
        event = load_function_event("node_health_schedule")
        event["time"] = (datetime.now(UTC) + timedelta(seconds=after_seconds)).isoformat().replace("+00:00", "Z")
        return cloud.invoke("NodeHealthFunction", event)

    def state() -> tuple[str, str, int]:
        n = api.get(f"/v1/admin/nodes/{node['node_id']}").json()
        return n["status"], n["health"], api.get(f"/v1/skus/{sku['id']}", role=None).json()["free_slots"]

    assert sweep(30) == {"changed": {}}
    assert state() == ("active", "healthy", 8)
    assert sweep(120) == {"changed": {node["node_id"]: "suspect"}}
    assert state() == ("active", "suspect", 4)  # its slots left placement; the operator's node stays
    assert sweep(400) == {"changed": {node["node_id"]: "down"}}
    assert state() == ("active", "down", 4)
    assert node_call(api, "POST", "/v1/agent/heartbeat", node["node_token"], json=beat).status_code == 200
    assert sweep(5) == {"changed": {node["node_id"]: "healthy"}}
    assert state() == ("active", "healthy", 8)
    # Health and the operator's drain are independent: a drained node that recovers stays out.
    api.post(f"/v1/admin/nodes/{node['node_id']}/drain", json={"reason": "maintenance"})
    assert sweep(120) == {"changed": {node["node_id"]: "suspect"}}
    assert sweep(5) == {"changed": {node["node_id"]: "healthy"}}
    assert state() == ("draining", "healthy", 4)
    assert api.get(f"/v1/admin/nodes/{operator_node['id']}").json()["health"] == "healthy"
    cloud.drain()
    items = api.get(f"/v1/admin/events?subject={node['node_id']}").json()["items"]
    moves = [(e["type"], e["data"].get("from"), e["data"]["node"]["health"]) for e in items]
    assert moves == [
        ("node.created", None, "healthy"),
        ("node.health_changed", "healthy", "suspect"),
        ("node.health_changed", "suspect", "down"),
        ("node.health_changed", "down", "healthy"),
        ("node.drained", None, "healthy"),
        ("node.health_changed", "healthy", "suspect"),
        ("node.health_changed", "suspect", "healthy"),
    ]
