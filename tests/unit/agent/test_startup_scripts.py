"""Startup scripts on the agent: validated with the command, started in the background once the workload
exists (never again for a redelivered command), on the allocation's GPUs in its directory, their output in
the allocation's stream, and stopped (with everything they started) before a release wipes the workload."""

from __future__ import annotations

import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT / "node_agent") not in sys.path:  # works without `pip install -e ./node_agent` too
    sys.path.append(str(ROOT / "node_agent"))

from gpuaas_agent import commands  # noqa: E402
from gpuaas_agent.commands import CommandProcessor  # noqa: E402
from gpuaas_agent.executors.docker import DockerExecutor  # noqa: E402
from gpuaas_agent.executors.sandbox import SandboxExecutor  # noqa: E402
from gpuaas_agent.state import StateStore  # noqa: E402
from gpuaas_agent.timeutil import isoformat, utcnow  # noqa: E402
from gpuaas_agent.workloads import StartupScripts  # noqa: E402

pytestmark = pytest.mark.unit

NODE = "node_" + "a" * 26
ALLOC = "alc_" + "b" * 26
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ4mX1o0cBf3zq8w9m9Tq2b0m6Jd5xK7bqF0n3Yt8uVw alice@laptop"


def command(n: int, kind: str = "provision", script: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"allocation_id": ALLOC}
    if kind == "provision":
        payload |= {
            "slots": [{"index": 0, "gpu_indexes": [2, 3]}],
            "container_image": "nvidia/cuda:12.4.1",
            "ssh_public_keys": [KEY],
            "ssh_user": "gpuaas",
        }
        if script is not None:
            payload["startup_script"] = script
    return {
        "protocol_version": 1,
        "command_id": f"cmd_{n:026d}",
        "type": kind,
        "node_id": NODE,
        "issued_at": isoformat(utcnow()),
        "expires_at": isoformat(utcnow() + timedelta(minutes=5)),
        "payload": payload,
    }


class Lines:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, stream: str, message: str) -> None:
        with self.lock:
            self.lines.append((stream, message))

    def wait_for(self, text: str, timeout: float = 10.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                messages = [m for _, m in self.lines]
            if any(text in m for m in messages) or time.monotonic() > deadline:
                return messages
            time.sleep(0.02)


def alive(pid: int) -> bool:
    """Running (a zombie, dead but not yet reaped by whoever inherited it, is not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture
def world(tmp_path):
    lines = Lines()
    scripts = StartupScripts(lines, kill_grace_seconds=2)
    executor = SandboxExecutor(tmp_path / "root", "gpu-01")
    processor = CommandProcessor(StateStore(tmp_path / "state"), executor, NODE, scripts=scripts)
    yield processor, scripts, lines, executor
    scripts.stop_all()


@pytest.mark.parametrize(
    ("script", "ok"),
    [("echo hi\n", True), ("", False), (7, False), ("a\x00b", False), ("x" * 65536, True), ("x" * 65537, False)],
)
def test_the_script_is_checked_with_the_command(script, ok):
    doc = command(1, script="placeholder")
    doc["payload"]["startup_script"] = script
    if ok:
        commands.validate(doc, NODE, utcnow())
    else:
        with pytest.raises(commands.Rejected) as rejected:
            commands.validate(doc, NODE, utcnow())
        assert rejected.value.reason == commands.INVALID_COMMAND


def test_it_runs_after_provisioning_in_the_background_on_the_allocations_gpus(world):
    processor, _, lines, executor = world
    script = 'echo "gpus=$CUDA_VISIBLE_DEVICES"\npwd\necho oops >&2\necho "home=$HOME"\nenv | grep -c AWS_ || true\n'
    started = time.monotonic()
    result = processor.process(command(1, script=script + "sleep 1\n"))
    assert result["status"] == "succeeded" and time.monotonic() - started < 0.5  # the result did not wait
    messages = lines.wait_for("exited with status")
    base = executor.dirs.path(ALLOC)
    assert messages == [
        "gpus=2,3",
        str(base / "home"),  # the login's own directory
        "oops",
        f"home={base / 'home'}",
        "0",
        "[gpuaas-agent] startup script exited with status 0",
    ]
    assert {stream for stream, _ in lines.lines} == {ALLOC}
    assert (base / "startup.sh").stat().st_mode & 0o777 == 0o700


def test_a_redelivered_provision_does_not_start_it_again(world):
    processor, _, lines, _ = world
    processor.process(command(1, script="echo once\n"))
    lines.wait_for("exited")
    processor.process(command(1, script="echo once\n"))
    time.sleep(0.2)
    assert [m for _, m in lines.lines].count("once") == 1


def test_a_failed_provision_runs_no_script(tmp_path):
    class Failing(SandboxExecutor):
        def provision(self, payload: dict[str, Any]) -> dict[str, Any]:
            from gpuaas_agent.executors.base import ExecutorError

            raise ExecutorError("no image")

    lines = Lines()
    scripts = StartupScripts(lines)
    processor = CommandProcessor(StateStore(tmp_path), Failing(tmp_path / "r", "h"), NODE, scripts=scripts)
    assert processor.process(command(1, script="echo never\n"))["status"] == "failed"
    time.sleep(0.2)
    assert lines.lines == [(ALLOC, "[gpuaas-agent] provisioning failed: executor_error: no image")]
    assert scripts.running() == []


def test_release_stops_the_script_and_what_it_started_before_the_wipe(world):
    processor, scripts, lines, executor = world
    processor.process(command(1, script="sleep 300 &\necho $! > child.pid\necho up\nwait\n"))
    lines.wait_for("up")
    child = int((executor.dirs.path(ALLOC) / "home" / "child.pid").read_text())
    assert scripts.running() == [ALLOC]
    assert processor.process(command(2, kind="release"))["status"] == "succeeded"
    assert scripts.running() == []
    assert lines.lines[-2][1].startswith("[gpuaas-agent] startup script stopped")
    assert lines.lines[-1][1] == "[gpuaas-agent] released: the workload is removed and its data wiped"
    assert not executor.dirs.path(ALLOC).exists()
    deadline = time.monotonic() + 3
    while alive(child):  # the script's own child went with it
        assert time.monotonic() < deadline, f"pid {child} outlived the release"
        time.sleep(0.02)


def test_a_script_that_ignores_sigterm_is_killed_after_the_grace(tmp_path):
    lines = Lines()
    scripts = StartupScripts(lines, kill_grace_seconds=0.3)
    executor = SandboxExecutor(tmp_path, "h")
    executor.provision(command(1)["payload"])
    scripts.start(
        ALLOC,
        executor.startup_command(
            command(1, script="trap '' TERM\necho ready\nwhile :; do sleep 0.05; done\n")["payload"]
        ),
    )
    lines.wait_for("ready")
    started = time.monotonic()
    assert scripts.stop(ALLOC) is True
    assert time.monotonic() - started < 3
    assert "exit status -9" in lines.lines[-1][1]


def test_the_docker_executor_runs_it_inside_the_container_on_its_own_gpu_numbers(tmp_path):
    docker = DockerExecutor(tmp_path, "h", runner=lambda argv: None)  # type: ignore[arg-type,return-value]
    startup = docker.startup_command(command(1, script="nvidia-smi\n")["payload"])
    assert list(startup.argv) == [
        "docker", "exec", "-i", "-e", "CUDA_VISIBLE_DEVICES=0,1", "-e", f"GPUAAS_ALLOCATION_ID={ALLOC}",
        f"gpuaas-{ALLOC}", "/bin/sh", "-s",
    ]  # fmt: skip
    assert startup.stdin == "nvidia-smi\n" and "AWS_ACCESS_KEY_ID" not in startup.env
