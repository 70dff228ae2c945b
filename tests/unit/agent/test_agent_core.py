"""The node agent's parts: telemetry, state, command validation and idempotency, executors, retries."""

from __future__ import annotations

import json
import os
import random
import stat
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT / "node_agent") not in sys.path:  # works without `pip install -e ./node_agent` too
    sys.path.append(str(ROOT / "node_agent"))

from gpuaas_agent import commands  # noqa: E402
from gpuaas_agent.commands import CommandProcessor, validate  # noqa: E402
from gpuaas_agent.control_plane import ApiError, Backoff, ControlPlane, Unreachable  # noqa: E402
from gpuaas_agent.executors.base import AllocationDirs, ExecutorError  # noqa: E402
from gpuaas_agent.executors.docker import SSHD_SCRIPT, Completed, DockerExecutor  # noqa: E402
from gpuaas_agent.state import StateStore  # noqa: E402
from gpuaas_agent.telemetry import NvmlSource, SimulatedNvml  # noqa: E402
from gpuaas_agent.timeutil import isoformat, utcnow  # noqa: E402

pytestmark = pytest.mark.unit

NODE = "node_" + "a" * 26
ALLOC = "alc_" + "b" * 26
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ4mX1o0cBf3zq8w9m9Tq2b0m6Jd5xK7bqF0n3Yt8uVw alice@laptop"


def cmd_id(n: int) -> str:
    return f"cmd_{n:026d}"


def provision(n: int = 1, **over: Any) -> dict[str, Any]:
    doc = {
        "protocol_version": 1,
        "command_id": cmd_id(n),
        "type": "provision",
        "node_id": NODE,
        "issued_at": isoformat(utcnow()),
        "expires_at": isoformat(utcnow() + timedelta(minutes=10)),
        "payload": {
            "allocation_id": ALLOC,
            "slots": [{"index": 0, "gpu_indexes": [0, 1]}],
            "container_image": "nvidia/cuda:12.4.1-runtime-ubuntu22.04",
            "ssh_public_keys": [KEY],
            "ssh_user": "gpuaas",
        },
    }
    doc.update(over)
    return doc


def release(n: int = 2) -> dict[str, Any]:
    return {**provision(n), "type": "release", "payload": {"allocation_id": ALLOC}}


# A fake pynvml ------------------------------------------------------------------------------------------


class FakeNvmlError(Exception):
    pass


class FakeNotSupported(FakeNvmlError):
    pass


class FakeTimeout(FakeNvmlError):
    pass


class FakeLibraryNotFound(FakeNvmlError):
    pass


@dataclass
class Mem:
    total: int
    used: int


@dataclass
class Rates:
    gpu: int


@dataclass
class Event:
    device: Any
    eventType: int
    eventData: int


class FakeNvml:
    NVMLError = FakeNvmlError
    NVMLError_NotSupported = FakeNotSupported
    NVMLError_Timeout = FakeTimeout
    NVML_TEMPERATURE_GPU = 0
    NVML_MEMORY_ERROR_TYPE_UNCORRECTED = 1
    NVML_VOLATILE_ECC = 0
    nvmlEventTypeXidCriticalError = 8

    def __init__(self, count: int = 2, init_error: Exception | None = None, no_ecc: bool = False) -> None:
        self.count = count
        self.init_error = init_error
        self.no_ecc = no_ecc
        self.events: list[Event] = []
        self.waits: list[int] = []
        self.xid_unsupported: set[int] = set()

    def nvmlInit(self) -> None:
        if self.init_error:
            raise self.init_error

    def nvmlSystemGetDriverVersion(self) -> bytes:
        return b"550.54.15"

    def nvmlDeviceGetCount(self) -> int:
        return self.count

    def nvmlDeviceGetHandleByIndex(self, i: int) -> tuple[str, int]:
        return ("h", i)

    def nvmlDeviceGetUUID(self, h: tuple[str, int]) -> bytes:
        return f"GPU-0000000{h[1]}-aaaa-bbbb-cccc-dddddddddddd".encode()

    def nvmlDeviceGetName(self, h: tuple[str, int]) -> bytes:
        return b"NVIDIA H100 80GB HBM3"

    def nvmlDeviceGetMemoryInfo(self, h: tuple[str, int]) -> Mem:
        return Mem(total=85520809984, used=1024 * (h[1] + 1))

    def nvmlDeviceGetUtilizationRates(self, h: tuple[str, int]) -> Rates:
        return Rates(gpu=40 + h[1])

    def nvmlDeviceGetTemperature(self, h: tuple[str, int], sensor: int) -> int:
        assert sensor == self.NVML_TEMPERATURE_GPU
        return 55

    def nvmlDeviceGetPowerUsage(self, h: tuple[str, int]) -> int:
        return 612_400  # mW

    def nvmlDeviceGetTotalEccErrors(self, h: tuple[str, int], kind: int, counter: int) -> int:
        assert (kind, counter) == (self.NVML_MEMORY_ERROR_TYPE_UNCORRECTED, self.NVML_VOLATILE_ECC)
        if self.no_ecc:
            raise FakeNotSupported("Not Supported")
        return 2

    def nvmlEventSetCreate(self) -> str:
        return "set"

    def nvmlDeviceRegisterEvents(self, h: tuple[str, int], types: int, event_set: str) -> None:
        assert types == self.nvmlEventTypeXidCriticalError
        if h[1] in self.xid_unsupported:
            raise FakeNotSupported("Not Supported")

    def nvmlEventSetWait_v2(self, event_set: str, timeout_ms: int) -> Event:
        self.waits.append(timeout_ms)
        if not self.events:
            raise FakeTimeout("Timeout")
        return self.events.pop(0)

    def nvmlEventSetFree(self, event_set: str) -> None:
        pass

    def nvmlShutdown(self) -> None:
        pass


# Telemetry ----------------------------------------------------------------------------------------------


def test_telemetry_reads_every_field_and_converts_milliwatts():
    source = NvmlSource(FakeNvml())
    nvml, gpus = source.sample()
    assert nvml == {"available": True, "driver_version": "550.54.15", "error": None}
    assert source.inventory()[1] == {
        "index": 1,
        "uuid": "GPU-00000001-aaaa-bbbb-cccc-dddddddddddd",
        "model": "NVIDIA H100 80GB HBM3",
        "memory_total_bytes": 85520809984,
    }
    assert gpus[0] == {
        **source.inventory()[0],
        "memory_used_bytes": 1024,
        "utilization_percent": 40,
        "temperature_c": 55,
        "power_watts": 612.4,
        "ecc_uncorrected_errors": 2,
        "xid_errors": 0,
    }


def test_telemetry_reports_null_where_nvml_says_not_supported():
    fake = FakeNvml(no_ecc=True)
    fake.xid_unsupported = {1}
    _, gpus = NvmlSource(fake).sample()
    assert [g["ecc_uncorrected_errors"] for g in gpus] == [None, None]
    assert [g["xid_errors"] for g in gpus] == [0, None]


def test_xid_events_are_polled_without_waiting_and_counted_per_gpu():
    fake = FakeNvml()
    source = NvmlSource(fake)
    fake.events = [Event(("h", 1), 8, 79), Event(("h", 1), 8, 48), Event(("h", 0), 8, 31), Event(("h", 0), 1, 0)]
    _, gpus = source.sample()
    assert [g["xid_errors"] for g in gpus] == [1, 2]  # the non-XID event is not counted
    assert set(fake.waits) == {0}
    fake.events = [Event(("h", 0), 8, 79)]
    _, gpus = source.sample()
    assert [g["xid_errors"] for g in gpus] == [2, 2]  # cumulative since the agent started


@pytest.mark.parametrize(
    "error", [FakeLibraryNotFound("NVML Shared Library Not Found"), RuntimeError("Driver Not Loaded")]
)
def test_no_driver_is_reported_not_raised(error):
    source = NvmlSource(FakeNvml(init_error=error))
    nvml, gpus = source.sample()
    assert nvml["available"] is False
    assert nvml["driver_version"] is None
    assert type(error).__name__ in nvml["error"]
    assert gpus == []
    assert source.inventory() == []
    source.close()


def test_the_real_pynvml_without_a_driver_degrades():
    nvml, gpus = NvmlSource().sample()  # nvidia-ml-py is installed; this machine has no NVIDIA driver
    if nvml["available"]:
        pytest.skip("this machine has an NVIDIA driver")
    assert gpus == [] and nvml["error"]


def test_simulated_gpus_look_real_and_stay_stable():
    a = NvmlSource(SimulatedNvml(8, "H100-80GB-SXM", seed="gpu-01"))
    b = NvmlSource(SimulatedNvml(8, "H100-80GB-SXM", seed="gpu-01"))
    assert a.inventory() == b.inventory()
    assert len({g["uuid"] for g in a.inventory()}) == 8
    nvml, gpus = a.sample()
    assert nvml["available"] and all(g["model"] == "NVIDIA H100 80GB HBM3" for g in gpus)
    assert all(50 < g["power_watts"] < 100 and g["xid_errors"] == 0 for g in gpus)


# State and idempotency ----------------------------------------------------------------------------------


class CountingExecutor:
    name = "counting"

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, str]] = []
        self.fail = fail

    def provision(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("provision", payload["allocation_id"]))
        if self.fail:
            raise ExecutorError("image pull failed")
        return {"ssh_host": "h", "ssh_port": 22000, "ssh_user": payload["ssh_user"], "workload_id": "w"}

    def release(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(("release", payload["allocation_id"]))
        return {"wiped": True}


def test_a_finished_command_is_not_run_again(tmp_path):
    executor = CountingExecutor()
    processor = CommandProcessor(StateStore(tmp_path), executor, NODE)
    first = processor.process(provision())
    again = processor.process(provision())
    restarted = CommandProcessor(StateStore(tmp_path), executor, NODE).process(provision())
    assert executor.calls == [("provision", ALLOC)]
    assert first == again == restarted
    assert first["status"] == "succeeded" and first["reason"] is None


def test_a_command_running_when_the_agent_died_is_resumed(tmp_path):
    state = StateStore(tmp_path)
    state.start(provision())  # the agent died right after recording the start
    executor = CountingExecutor()
    processor = CommandProcessor(StateStore(tmp_path), executor, NODE)
    assert [c["command_id"] for c in processor.interrupted()] == [cmd_id(1)]
    # Resumed even though it expired meanwhile: it passed validation when it started.
    stale = provision(expires_at=isoformat(utcnow() - timedelta(minutes=1)))
    assert processor.process(stale)["status"] == "succeeded"
    assert executor.calls == [("provision", ALLOC)]
    assert processor.interrupted() == []
    record = state.get(cmd_id(1))
    assert record["status"] == "finished" and record["attempts"] == 2 and record["reported"] is False


def test_executor_failure_is_a_failed_result_and_is_kept(tmp_path):
    processor = CommandProcessor(StateStore(tmp_path), CountingExecutor(fail=True), NODE)
    result = processor.process(provision())
    assert result["status"] == "failed"
    assert result["reason"].startswith("executor_error: image pull failed")
    assert result["output"] == {}


def test_state_files_are_private_and_atomically_replaced(tmp_path):
    state = StateStore(tmp_path / "state")
    assert stat.S_IMODE(os.stat(tmp_path / "state").st_mode) == 0o700
    state.finish(provision(), commands.result("succeeded"))
    path = state.commands_dir / f"{cmd_id(1)}.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in state.commands_dir.iterdir() if p.name.endswith(".tmp")]
    with pytest.raises(ValueError):
        state.get("../../etc/passwd")


def test_credentials_file_is_0600_from_creation_even_with_a_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        state = StateStore(tmp_path / "s")
        creds = {"node_id": NODE, "node_token": "gpn_x", "queue_url": "q", "region": "r", "api_url": "u"}
        state.save_credentials(creds)
        state.save_credentials({**creds, "node_token": "gpn_y"})
    finally:
        os.umask(old)
    assert stat.S_IMODE(state.credentials_path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "s").stat().st_mode) == 0o700
    assert state.load_credentials()["node_token"] == "gpn_y"
    assert [p.name for p in (tmp_path / "s").iterdir() if p.is_file()] == ["credentials.json"]


def test_prune_forgets_only_old_reported_commands(tmp_path):
    state = StateStore(tmp_path)
    old = commands.result("succeeded")
    old["finished_at"] = isoformat(utcnow() - timedelta(days=8))
    state.finish(provision(1), old)
    state.mark_reported(cmd_id(1))
    state.finish(provision(2), commands.result("succeeded"))
    state.mark_reported(cmd_id(2))
    state.finish(provision(3), old)  # never reported: kept
    assert state.prune(7 * 86400) == 1
    assert state.get(cmd_id(1)) is None and state.get(cmd_id(2)) and state.get(cmd_id(3))


# Validation ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"protocol_version": 2}, "unsupported_protocol_version"),
        ({"protocol_version": "1"}, "unsupported_protocol_version"),
        ({"expires_at": "2020-01-01T00:00:00Z"}, "command_expired"),
        ({"node_id": "node_" + "z" * 26}, "wrong_node"),
        ({"type": "reboot"}, "unknown_command_type"),
        ({"expires_at": "soon"}, "invalid_command"),
    ],
)
def test_commands_this_agent_must_not_run_are_rejected_with_the_reason(tmp_path, change, reason):
    executor = CountingExecutor()
    result = CommandProcessor(StateStore(tmp_path), executor, NODE).process(provision(**change))
    assert result["status"] == "rejected"
    assert result["reason"] == reason
    assert executor.calls == []


@pytest.mark.parametrize(
    "payload_change",
    [
        {"allocation_id": "../../etc"},
        {"ssh_user": "root"},
        {"ssh_user": "a/b"},
        {"ssh_public_keys": ['command="rm -rf /" ' + KEY]},
        {"ssh_public_keys": [KEY + "\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ evil"]},
        {"slots": []},
        {"slots": [{"index": 0, "gpu_indexes": ["0"]}]},
        {"container_image": "img; rm -rf /"},
    ],
)
def test_malformed_payloads_are_rejected_before_touching_the_host(payload_change):
    doc = provision()
    doc["payload"].update(payload_change)
    with pytest.raises(commands.Rejected) as caught:
        validate(doc, NODE, utcnow())
    assert caught.value.reason == "invalid_command"


# Sandbox executor ---------------------------------------------------------------------------------------


def test_allocation_ports_come_from_the_configured_range_and_do_not_collide(tmp_path):
    dirs = AllocationDirs(tmp_path, port_range=(30000, 30049))
    ports = {dirs.port(f"alc_{i:026d}") for i in range(50)}
    assert ports == set(range(30000, 30050))  # 50 live allocations: each port of the range once
    with pytest.raises(ExecutorError, match="no free port"):
        dirs.port("alc_" + "z" * 26)
    assert dirs.port("alc_" + "0" * 26) in ports  # stable: the port file is read back


def test_allocation_ports_skip_ports_already_bound_on_the_host(tmp_path):
    dirs = AllocationDirs(tmp_path, port_range=(30000, 30002), port_free=lambda port: port == 30001)
    assert dirs.port(ALLOC) == 30001


# Docker executor ----------------------------------------------------------------------------------------


class FakeRunner:
    def __init__(self, inspect: Completed) -> None:
        self.inspect = inspect
        self.calls: list[list[str]] = []

    def __call__(self, argv: list[str]) -> Completed:
        self.calls.append(list(argv))
        if argv[1] == "inspect":
            return self.inspect
        if argv[1] == "rm":
            return Completed(1, "", "Error response from daemon: No such container: x")
        return Completed(0, "f00dfeed\n", "")


def test_docker_provision_runs_the_exact_container(tmp_path):
    runner = FakeRunner(Completed(1, "", "Error: No such object"))
    docker = DockerExecutor(tmp_path, "gpu-01", runner=runner)
    output = docker.provision(provision()["payload"])
    ssh_dir = tmp_path / "allocations" / ALLOC / "ssh"
    keys = ssh_dir / "authorized_keys"
    port = output["ssh_port"]
    assert runner.calls == [
        ["docker", "inspect", "--format", "{{.State.Running}}", f"gpuaas-{ALLOC}"],
        [
            "docker", "run", "-d",
            "--name", f"gpuaas-{ALLOC}",
            "--gpus", '"device=0,1"',
            "-p", f"{port}:22",
            "-v", f"{ssh_dir}:/etc/gpuaas/ssh:ro",
            "--label", f"gpuaas.allocation_id={ALLOC}",
            "--restart", "unless-stopped",
            "-e", "GPUAAS_SSH_USER=gpuaas",
            "nvidia/cuda:12.4.1-runtime-ubuntu22.04",
            "/bin/sh", "-c", SSHD_SCRIPT,
        ],
    ]  # fmt: skip
    assert keys.read_text() == KEY + "\n"
    host_key = (ssh_dir / "host_ed25519_key.pub").read_text().split()
    assert output == {
        "ssh_host": "gpu-01",
        "ssh_port": port,
        "ssh_user": "gpuaas",
        "workload_id": f"gpuaas-{ALLOC}",
        "ssh_host_key": " ".join(host_key[:2]),
        "ssh_host_key_fingerprint": output["ssh_host_key_fingerprint"],
    }


def test_docker_provision_keeps_a_running_container_and_replaces_a_stopped_one(tmp_path):
    running = FakeRunner(Completed(0, "true\n", ""))
    DockerExecutor(tmp_path, "h", runner=running).provision(provision()["payload"])
    assert [c[1] for c in running.calls] == ["inspect"]
    stopped = FakeRunner(Completed(0, "false\n", ""))
    DockerExecutor(tmp_path, "h", runner=stopped).provision(provision()["payload"])
    assert [c[1] for c in stopped.calls] == ["inspect", "rm", "run"]


def test_docker_release_removes_the_container_and_is_idempotent(tmp_path):
    runner = FakeRunner(Completed(1, "", ""))
    docker = DockerExecutor(tmp_path, "h", runner=runner)
    docker.provision(provision()["payload"])
    assert docker.release({"allocation_id": ALLOC}) == {"wiped": True}
    assert runner.calls[-1] == ["docker", "rm", "-f", "-v", f"gpuaas-{ALLOC}"]
    assert not (tmp_path / "allocations" / ALLOC).exists()
    assert docker.release({"allocation_id": ALLOC}) == {"wiped": True}


def test_docker_run_failure_is_an_executor_error(tmp_path):
    def runner(argv: list[str]) -> Completed:
        return (
            Completed(125, "", "docker: Error response from daemon: could not select device driver")
            if (argv[1] == "run")
            else Completed(1, "", "No such object")
        )

    with pytest.raises(ExecutorError, match="could not select device driver"):
        DockerExecutor(tmp_path, "h", runner=runner).provision(provision()["payload"])


# Control-plane client retries ---------------------------------------------------------------------------

API = "https://cp.example.com"


def client(sleeps: list[float], attempts: int = 5) -> ControlPlane:
    api = ControlPlane(API, backoff=Backoff(base=1.0, cap=8.0, rng=random.Random(7)), sleep=sleeps.append,
                       max_attempts=attempts)  # fmt: skip
    api.node_token = "gpn_test"
    return api


@responses.activate
def test_5xx_and_connection_errors_back_off_with_capped_full_jitter():
    url = f"{API}/v1/agent/heartbeat"
    responses.post(url, status=503)
    responses.post(url, body=requests.ConnectionError("refused"))
    responses.post(url, status=500)
    responses.post(url, status=502)
    responses.post(url, json={"next_heartbeat_seconds": 20})
    sleeps: list[float] = []
    assert client(sleeps).heartbeat({"x": 1}) == {"next_heartbeat_seconds": 20}
    expected_rng = random.Random(7)
    assert sleeps == [expected_rng.uniform(0, min(8.0, 2**i)) for i in range(4)]
    assert all(0 <= s <= 8.0 for s in sleeps)
    assert responses.calls[0].request.headers["Authorization"] == "Bearer gpn_test"


@responses.activate
def test_backoff_ceiling_is_capped():
    backoff = Backoff(base=1.0, cap=8.0, rng=random.Random(1))
    assert max(backoff.delay(30) for _ in range(200)) <= 8.0


@responses.activate
def test_4xx_is_not_retried_but_429_honours_retry_after():
    responses.post(f"{API}/v1/agent/credentials", status=429, headers={"Retry-After": "3"})
    responses.post(f"{API}/v1/agent/credentials", status=403, json={"code": "forbidden", "message": "no"})
    sleeps: list[float] = []
    with pytest.raises(ApiError) as caught:
        client(sleeps).credentials()
    assert caught.value.status == 403 and caught.value.code == "forbidden"
    assert sleeps == [3.0]
    assert len(responses.calls) == 2


@responses.activate
def test_retries_are_bounded_and_409_on_a_result_means_already_reported():
    responses.post(f"{API}/v1/agent/heartbeat", status=503)
    sleeps: list[float] = []
    with pytest.raises(Unreachable):
        client(sleeps, attempts=3).heartbeat({})
    assert len(sleeps) == 2
    responses.post(f"{API}/v1/agent/commands/{cmd_id(1)}/result", status=409, json={"code": "conflict"})
    assert client([]).report_result(cmd_id(1), {"status": "succeeded"}) is True


@responses.activate
def test_registration_sends_no_authorization_header():
    responses.post(f"{API}/v1/agent/register", status=201, json={"node_id": NODE})
    api = ControlPlane(API)
    assert api.register({"bootstrap_token": "gpb_x"}) == {"node_id": NODE}
    assert "Authorization" not in responses.calls[0].request.headers
    assert json.loads(responses.calls[0].request.body) == {"bootstrap_token": "gpb_x"}


def open_terminal_command(**payload_change: Any) -> dict[str, Any]:
    payload = {"allocation_id": ALLOC, "session_id": "trm_" + "c" * 26, "kind": "shell",
               "url": "wss://relay.example.com/v1", "cols": 80, "rows": 24, **payload_change}  # fmt: skip
    return {**provision(), "type": "open_terminal", "payload": payload}


def test_an_open_terminal_command_passes_validation():
    validate(open_terminal_command(), NODE, utcnow())
    validate(open_terminal_command(kind="ssh", url="ws://127.0.0.1:8001/local"), NODE, utcnow())


@pytest.mark.parametrize(
    "payload_change",
    [
        {"session_id": "trm_../../x"},
        {"session_id": None},
        {"kind": "vnc"},
        {"url": "ws://relay.example.com/v1"},  # plain ws:// only to this host
        {"url": "https://relay.example.com/v1"},
        {"url": "wss://relay.example.com/v1 extra"},
        {"cols": 0},
        {"rows": 5000},
        {"cols": "80"},
        {"cols": True},
    ],
)
def test_malformed_open_terminal_payloads_are_rejected(payload_change):
    with pytest.raises(commands.Rejected) as caught:
        validate(open_terminal_command(**payload_change), NODE, utcnow())
    assert caught.value.reason == "invalid_command"


def test_the_processor_never_stores_or_runs_an_open_terminal(tmp_path):
    executor = CountingExecutor()
    processor = CommandProcessor(StateStore(tmp_path), executor, NODE)
    with pytest.raises(ValueError, match="no result"):
        processor.process(open_terminal_command())
    assert executor.calls == [] and not list(tmp_path.rglob("*.json"))
    assert processor.check(open_terminal_command()) is None
    assert processor.check({**open_terminal_command(), "node_id": "node_" + "z" * 26}).reason == "wrong_node"
