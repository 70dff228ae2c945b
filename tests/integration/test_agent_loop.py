"""The node agent's loop against an in-process moto SQS FIFO queue and a mocked control plane.

register -> queue credentials -> receive a command -> execute (sandbox) -> report -> delete, plus duplicate
delivery, restart, a control plane that is down when the result is ready, and a stop while a command runs.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import pytest
import responses
from moto import mock_aws
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "node_agent") not in sys.path:  # works without `pip install -e ./node_agent` too
    sys.path.append(str(ROOT / "node_agent"))

from gpuaas_agent.agent import Agent  # noqa: E402
from gpuaas_agent.control_plane import ControlPlane  # noqa: E402
from gpuaas_agent.executors.sandbox import SandboxExecutor  # noqa: E402
from gpuaas_agent.state import StateStore  # noqa: E402
from gpuaas_agent.telemetry import NvmlSource, SimulatedNvml  # noqa: E402
from gpuaas_agent.timeutil import isoformat, utcnow  # noqa: E402

pytestmark = pytest.mark.integration

API = "https://cp.example.com"
REGION = "us-east-1"
NODE = "node_01jd8x2m4k7q9r3t5v6w8y0z1a"
TOKEN = "gpn_" + NODE + "_" + "t" * 43
BOOTSTRAP = "gpb_0123456789abcdef_" + "s" * 43
ALLOC = "alc_01jd8x1p3q5r7s9t1u3v5w7x9y"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ4mX1o0cBf3zq8w9m9Tq2b0m6Jd5xK7bqF0n3Yt8uVw alice@laptop"

SCHEMA_DIR = ROOT / "events" / "agent"
SCHEMAS = {p.name.removesuffix(".json"): json.loads(p.read_text()) for p in SCHEMA_DIR.glob("*.json")}
REGISTRY = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in SCHEMAS.values())


def check(name: str, document: Any) -> None:
    jsonschema.Draft202012Validator(SCHEMAS[name], registry=REGISTRY).validate(document)


def command(n: int, kind: str = "provision") -> dict[str, Any]:
    payload: dict[str, Any] = {"allocation_id": ALLOC}
    if kind == "provision":
        payload |= {
            "slots": [{"index": 0, "gpu_indexes": [0, 1]}],
            "container_image": "nvidia/cuda:12.4.1-runtime-ubuntu22.04",
            "ssh_public_keys": [KEY],
            "ssh_user": "gpuaas",
        }
    doc = {
        "protocol_version": 1,
        "command_id": f"cmd_{n:026d}",
        "type": kind,
        "node_id": NODE,
        "issued_at": isoformat(utcnow()),
        "expires_at": isoformat(utcnow() + timedelta(minutes=10)),
        "payload": payload,
    }
    check("command.v1", doc)
    return doc


class ControlPlaneMock:
    """The /v1/agent/* endpoints, recording what the agent sent and validating it against the schemas."""

    def __init__(self, mock: responses.RequestsMock, queue_url: str) -> None:
        self.queue_url = queue_url
        self.registrations: list[dict[str, Any]] = []
        self.credential_calls = 0
        self.results: dict[str, list[dict[str, Any]]] = {}
        self.heartbeats: list[dict[str, Any]] = []
        self.result_status: list[int] = []  # statuses to answer next, then 200 / 409
        mock.add_callback("POST", f"{API}/v1/agent/register", callback=self.register)
        mock.add_callback("POST", f"{API}/v1/agent/credentials", callback=self.credentials)
        mock.add_callback("POST", f"{API}/v1/agent/heartbeat", callback=self.heartbeat)
        mock.add_callback("POST", re.compile(rf"{re.escape(API)}/v1/agent/commands/cmd_[0-9a-z]{{26}}/result"),
                          callback=self.result)  # fmt: skip

    @staticmethod
    def _authorized(request: Any) -> bool:
        return request.headers.get("Authorization") == f"Bearer {TOKEN}"

    def register(self, request: Any) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body)
        check("register.request.v1", body)
        assert "Authorization" not in request.headers
        self.registrations.append(body)
        reply = {"node_id": NODE, "node_token": TOKEN, "queue_url": self.queue_url, "region": REGION,
                 "heartbeat_interval_seconds": 20}  # fmt: skip
        check("register.response.v1", reply)
        return 201, {}, json.dumps(reply)

    def credentials(self, request: Any) -> tuple[int, dict[str, str], str]:
        if not self._authorized(request):
            return 401, {}, json.dumps({"code": "invalid_token"})
        self.credential_calls += 1
        reply = {"access_key_id": "ASIAEXAMPLEEXAMPLE01", "secret_access_key": "secret", "session_token": "session",
                 "expiration": isoformat(utcnow() + timedelta(hours=1)), "queue_url": self.queue_url,
                 "region": REGION}  # fmt: skip
        check("credentials.response.v1", reply)
        return 200, {}, json.dumps(reply)

    def heartbeat(self, request: Any) -> tuple[int, dict[str, str], str]:
        assert self._authorized(request)
        body = json.loads(request.body)
        check("heartbeat.v1", body)
        self.heartbeats.append(body)
        return 200, {}, json.dumps({"next_heartbeat_seconds": 20})

    def result(self, request: Any) -> tuple[int, dict[str, str], str]:
        assert self._authorized(request)
        command_id = request.url.rsplit("/", 2)[-2]
        body = json.loads(request.body)
        check("result.v1", body)
        if self.result_status:
            return self.result_status.pop(0), {}, json.dumps({"code": "unavailable"})
        seen = command_id in self.results
        self.results.setdefault(command_id, []).append(body)
        return (409, {}, json.dumps({"code": "already_reported"})) if seen else (200, {}, "{}")


class CountingSandbox(SandboxExecutor):
    def __init__(self, *args: Any, on_provision: Any = None) -> None:
        super().__init__(*args)
        self.provisions = 0
        self.on_provision = on_provision

    def provision(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.provisions += 1
        if self.on_provision:
            self.on_provision()
        return super().provision(payload)


@pytest.fixture
def cloud():
    # moto first: the control plane's mock must be the innermost patch of `requests`.
    with mock_aws(), responses.RequestsMock(assert_all_requests_are_fired=False) as http:
        sqs = boto3.client("sqs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
        queue_url = sqs.create_queue(
            QueueName=f"gpuaas-{NODE}.fifo", Attributes={"FifoQueue": "true", "VisibilityTimeout": "30"}
        )["QueueUrl"]
        yield sqs, queue_url, ControlPlaneMock(http, queue_url)


def send(sqs: Any, queue_url: str, doc: dict[str, Any], dedup: str | None = None) -> None:
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(doc), MessageGroupId=NODE,
                     MessageDeduplicationId=dedup or doc["command_id"])  # fmt: skip


def queue_depth(sqs: Any, queue_url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def make_agent(tmp_path: Path, executor: SandboxExecutor | None = None, **kw: Any) -> Agent:
    return Agent(
        ControlPlane(API, sleep=lambda _s: None, max_attempts=2),
        StateStore(tmp_path / "state"),
        NvmlSource(SimulatedNvml(2, "H100-80GB-SXM", seed="gpu-01")),
        executor or SandboxExecutor(tmp_path / "root", "gpu-01"),
        hostname="gpu-01",
        bootstrap_token=kw.pop("bootstrap_token", BOOTSTRAP),
        **{"heartbeats": False, **kw},
    )


def test_register_receive_provision_report_delete(cloud, tmp_path):
    sqs, queue_url, cp = cloud
    agent = make_agent(tmp_path)
    agent.setup()
    assert len(cp.registrations) == 1 and cp.registrations[0]["gpus"][0]["model"] == "NVIDIA H100 80GB HBM3"
    send(sqs, queue_url, command(1))
    agent.poll_once(wait_seconds=1)

    keys = tmp_path / "root" / "allocations" / ALLOC / "ssh" / "authorized_keys"
    assert keys.read_text() == KEY + "\n"
    assert (keys.stat().st_mode & 0o777) == 0o600
    [result] = cp.results["cmd_" + "0" * 25 + "1"]
    assert result["status"] == "succeeded"
    # The sandbox's sshd logs in the agent's own account (node_agent/README.md, SSH).
    assert (
        result["output"]["ssh_host"] == "gpu-01" and result["output"]["ssh_user"] == pwd.getpwuid(os.geteuid()).pw_name
    )
    assert result["output"]["ssh_host_key"].startswith("ssh-ed25519 ")
    assert cp.credential_calls == 1
    assert queue_depth(sqs, queue_url) == 0

    send(sqs, queue_url, command(2, "release"))
    agent.poll_once(wait_seconds=1)
    assert cp.results["cmd_" + "0" * 25 + "2"][0]["output"] == {"wiped": True}
    assert not keys.exists()
    assert queue_depth(sqs, queue_url) == 0
    assert (tmp_path / "state" / "credentials.json").stat().st_mode & 0o777 == 0o600


def test_the_same_command_delivered_twice_runs_once(cloud, tmp_path):
    sqs, queue_url, cp = cloud
    sandbox = CountingSandbox(tmp_path / "root", "gpu-01")
    agent = make_agent(tmp_path, sandbox)
    agent.setup()
    doc = command(3)
    send(sqs, queue_url, doc, dedup="first")
    send(sqs, queue_url, doc, dedup="second")  # e.g. a redrive or a retried send
    agent.poll_once(wait_seconds=1)
    agent.poll_once(wait_seconds=1)
    assert sandbox.provisions == 1
    first, again = cp.results[doc["command_id"]]
    assert first == again  # the stored result is re-reported (the server answers 409), not recomputed
    assert queue_depth(sqs, queue_url) == 0


def test_a_restarted_agent_does_not_register_again(cloud, tmp_path):
    _sqs, _queue_url, cp = cloud
    make_agent(tmp_path).setup()
    again = make_agent(tmp_path, bootstrap_token=None)
    again.setup()
    assert len(cp.registrations) == 1
    assert again.credentials["node_id"] == NODE


def test_a_result_the_control_plane_did_not_take_is_resent_on_redelivery_without_rerunning(cloud, tmp_path):
    sqs, queue_url, cp = cloud
    sandbox = CountingSandbox(tmp_path / "root", "gpu-01")
    agent = make_agent(tmp_path, sandbox)
    agent.setup()
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": "1"})
    send(sqs, queue_url, command(4))
    cp.result_status = [503, 503]  # down for the whole retry budget
    agent.poll_once(wait_seconds=1)
    assert queue_depth(sqs, queue_url) == 1  # not deleted: the result was not accepted
    assert agent.state.unreported()
    time.sleep(1.2)  # the visibility timeout lapses; the message comes back
    agent.poll_once(wait_seconds=1)
    assert sandbox.provisions == 1
    assert [r["status"] for r in cp.results["cmd_" + "0" * 25 + "4"]] == ["succeeded"]
    assert queue_depth(sqs, queue_url) == 0
    assert not agent.state.unreported()


def test_stop_while_a_command_runs_finishes_and_reports_it_then_takes_no_new_work(cloud, tmp_path):
    sqs, queue_url, cp = cloud
    stop = threading.Event()
    sandbox = CountingSandbox(tmp_path / "root", "gpu-01", on_provision=stop.set)  # SIGTERM arrives mid-command
    agent = make_agent(tmp_path, sandbox, stop=stop, heartbeats=True)
    send(sqs, queue_url, command(5))
    send(sqs, queue_url, command(6, "release"))
    assert agent.run() == 0
    assert sandbox.provisions == 1
    assert cp.results["cmd_" + "0" * 25 + "5"][0]["status"] == "succeeded"
    assert "cmd_" + "0" * 25 + "6" not in cp.results
    assert queue_depth(sqs, queue_url) == 1  # the release is still queued for the next start
    assert cp.heartbeats and cp.heartbeats[0]["node_id"] == NODE


def test_a_crash_mid_command_is_resumed_at_start_up(cloud, tmp_path):
    sqs, queue_url, cp = cloud
    agent = make_agent(tmp_path)
    agent.setup()
    doc = command(7)
    agent.state.start(doc)  # the previous process died inside the executor
    sandbox = CountingSandbox(tmp_path / "root", "gpu-01")
    restarted = make_agent(tmp_path, sandbox, bootstrap_token=None)
    restarted.setup()
    assert sandbox.provisions == 1
    assert cp.results[doc["command_id"]][0]["status"] == "succeeded"
    send(sqs, queue_url, doc)  # the message comes back after its visibility timeout
    restarted.poll_once(wait_seconds=1)
    assert sandbox.provisions == 1
    assert queue_depth(sqs, queue_url) == 0


class RecordingTerminals:
    """Stands in for the agent's TerminalManager: what the loop asked of it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.opened: list[dict[str, Any]] = []
        self.closed: list[tuple[str, bool]] = []
        self.stopped = False

    def open(self, payload: dict[str, Any]) -> None:
        self.opened.append(payload)

    def close_allocation(self, allocation_id: str) -> int:
        # Called before the executor wipes the allocation: its directory is still there.
        self.closed.append((allocation_id, (self.root / "allocations" / allocation_id).exists()))
        return 1

    def stop(self) -> None:
        self.stopped = True


def open_terminal(n: int, **over: Any) -> dict[str, Any]:
    payload = {"allocation_id": ALLOC, "session_id": "trm_" + "s" * 26, "kind": "shell",
               "url": "wss://relay.example.com/v1", "cols": 80, "rows": 24}  # fmt: skip
    return {**command(n, "release"), "type": "open_terminal", "payload": payload, **over}


def test_open_terminal_is_fire_and_forget_and_release_closes_the_sessions_first(cloud, tmp_path):
    sqs, queue_url, cp = cloud
    terminals = RecordingTerminals(tmp_path / "root")
    agent = make_agent(tmp_path, terminals=terminals)
    agent.setup()
    send(sqs, queue_url, command(1))
    agent.poll_once(wait_seconds=1)

    send(sqs, queue_url, open_terminal(2))
    send(sqs, queue_url, open_terminal(3, node_id="node_" + "z" * 26))  # another node's: refused
    bad = open_terminal(4)
    bad["payload"] = {**bad["payload"], "url": "ws://evil.example.com/"}  # plain ws off this host: refused
    send(sqs, queue_url, bad)
    for _ in range(3):
        agent.poll_once(wait_seconds=1)
    assert [p["session_id"] for p in terminals.opened] == ["trm_" + "s" * 26]
    assert set(cp.results) == {"cmd_" + "0" * 25 + "1"}  # nothing reported for open_terminal
    assert not list((tmp_path / "state" / "commands").glob("*02.json"))  # nor stored
    assert queue_depth(sqs, queue_url) == 0  # each deleted at once

    send(sqs, queue_url, command(5, "release"))
    agent.poll_once(wait_seconds=1)
    assert terminals.closed == [(ALLOC, True)]
    assert cp.results["cmd_" + "0" * 25 + "5"][0]["output"] == {"wiped": True}
