"""A rentable fleet on the local cloud: a SKU, an OS image, real sandbox agents, a customer with a key."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from localcloud.agents import AgentFleet
from tests.e2e.helpers import ApiClient, sku_body


def new_public_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


@dataclass
class Rentable:
    api: ApiClient
    agents: AgentFleet
    sku: dict[str, Any]
    image: dict[str, Any]
    customer: dict[str, str]
    ssh_key: dict[str, Any]
    hostnames: list[str] = field(default_factory=list)

    def sandbox(self, hostname: str, allocation_id: str) -> Path:
        return self.agents.root / hostname / "sandbox" / "allocations" / allocation_id

    def create(self, count: int = 1, **extra: Any) -> Any:
        body = {"sku_id": self.sku["id"], "os_image_id": self.image["id"], "count": count, **extra}
        headers = {**self.customer, "Idempotency-Key": str(uuid.uuid4())}
        return self.api.request("POST", "/v1/allocations", role=None, headers=headers, json=body)

    def get(self, allocation_id: str) -> dict[str, Any]:
        r = self.api.request("GET", f"/v1/allocations/{allocation_id}", role=None, headers=self.customer)
        assert r.status_code == 200, r.text
        return r.json()

    def release(self, allocation_id: str) -> Any:
        return self.api.request("POST", f"/v1/allocations/{allocation_id}/release", role=None, headers=self.customer)

    def wait_for(self, allocation_id: str, *states: str, timeout: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            allocation = self.get(allocation_id)
            if allocation["state"] in states or time.monotonic() > deadline:
                return allocation
            time.sleep(0.05)

    def free_slots(self) -> int:
        return self.api.get(f"/v1/skus/{self.sku['id']}", role=None).json()["free_slots"]


def rentable_fleet(
    api: ApiClient,
    cloud: Any,
    *,
    hosts: int = 1,
    gpus_per_host: int = 8,
    sku_gpus: int = 1,
    name: str = "rent",
    provision_seconds: float = 0.0,
) -> Rentable:
    """Agents registered and polling, ready to take commands."""
    sku = api.post("/v1/admin/skus", json=sku_body(name=f"{name}-sku", gpus=sku_gpus)).json()
    image = {"name": f"{name}-image", "family": "ubuntu", "version": "22.04", "container_image": "nvidia/cuda:12.4.1"}
    image = api.post("/v1/admin/os-images", json=image).json()
    agents = AgentFleet(cloud.api_url)
    hostnames = []
    for i in range(hosts):
        token = api.post("/v1/admin/bootstrap-tokens", json={"sku_id": sku["id"], "ttl_seconds": 600}).json()["token"]
        hostname = f"{name}-{i:02d}.fleet"
        agents.start(hostname, token, gpus_per_host, "H100-80GB-SXM", provision_seconds=provision_seconds)
        hostnames.append(hostname)
    customer = {"Authorization": f"Bearer {api.token('member', user=f'{name}-customer', org=f'{name}-org')}"}
    key = api.request(
        "POST", "/v1/ssh-keys", role=None, headers=customer, json={"name": "laptop", "public_key": new_public_key()}
    ).json()
    rentable = Rentable(api, agents, sku, image, customer, key, hostnames)
    expected = hosts * gpus_per_host // sku_gpus
    deadline = time.monotonic() + 30
    while rentable.free_slots() < expected:
        assert time.monotonic() < deadline, "agents did not register"
        time.sleep(0.1)
    return rentable


@dataclass
class ScriptedHost:
    """A host whose agent is the test itself: it registers through the API, reads its command queue
    directly on the moto server, and reports whatever result the test chooses."""

    api: ApiClient
    node_id: str
    node_token: str
    queue_url: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.node_token}"}

    def commands(self, wait: float = 5.0, expect: int = 1) -> list[dict[str, Any]]:
        """The next ``expect`` commands on the queue (received and deleted, in order)."""
        import boto3

        sqs = boto3.client("sqs")
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + wait
        while len(found) < expect and time.monotonic() < deadline:
            r = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
            for m in r.get("Messages", []):
                found.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
            if len(found) < expect:
                time.sleep(0.05)
        return found

    def report(self, command_id: str, status: str = "succeeded", reason: str | None = None, **output: Any) -> Any:
        body = {"status": status, "reason": reason, "output": output, "finished_at": "2026-11-26T12:00:00.000Z"}
        return self.api.request(
            "POST", f"/v1/agent/commands/{command_id}/result", role=None, headers=self.auth, json=body
        )

    def provisioned(self, command: dict[str, Any], port: int = 2201) -> Any:
        return self.report(command["command_id"], ssh_host="scripted.fleet", ssh_port=port, ssh_user="gpuaas")

    def heartbeat(self) -> Any:
        beat = {
            "node_id": self.node_id,
            "sent_at": "2026-11-26T12:00:00.000Z",
            "agent_version": "0.1.0",
            "running_commands": [],
            "nvml": {"available": False, "driver_version": None, "error": "scripted"},
            "gpus": [],
        }
        return self.api.request("POST", "/v1/agent/heartbeat", role=None, headers=self.auth, json=beat)


def scripted_host(api: ApiClient, sku: dict[str, Any], hostname: str, gpus: int = 8) -> ScriptedHost:
    token = api.post("/v1/admin/bootstrap-tokens", json={"sku_id": sku["id"], "ttl_seconds": 600}).json()["token"]
    body = {
        "bootstrap_token": token,
        "hostname": hostname,
        "agent_version": "0.1.0",
        "protocol_versions": [1],
        "executors": ["sandbox"],
        "gpus": [
            {"index": i, "uuid": f"GPU-{i:08d}-0000-0000-0000-000000000000", "model": "H100", "memory_total_bytes": 1}
            for i in range(gpus)
        ],
    }
    r = api.post("/v1/agent/register", role=None, json=body)
    assert r.status_code == 201, r.text
    node = r.json()
    return ScriptedHost(api, node["node_id"], node["node_token"], node["queue_url"])


def customer_with_key(api: ApiClient, name: str, role: str = "member") -> dict[str, str]:
    customer = {"Authorization": f"Bearer {api.token(role, user=f'{name}-customer', org=f'{name}-org')}"}
    r = api.request(
        "POST", "/v1/ssh-keys", role=None, headers=customer, json={"name": "laptop", "public_key": new_public_key()}
    )
    assert r.status_code == 201, r.text
    return customer
