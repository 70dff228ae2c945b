"""SSH per allocation: the sandbox executor's real sshd (with the real OpenSSH client), its sshd_config, and
the docker executor's side of the same contract against a fake docker CLI."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT / "node_agent") not in sys.path:
    sys.path.append(str(ROOT / "node_agent"))

from gpuaas_agent.commands import CommandProcessor  # noqa: E402
from gpuaas_agent.executors import sshd  # noqa: E402
from gpuaas_agent.executors.base import ExecutorError  # noqa: E402
from gpuaas_agent.executors.docker import SSHD_SCRIPT, Completed, DockerExecutor  # noqa: E402
from gpuaas_agent.executors.sandbox import SandboxExecutor  # noqa: E402
from gpuaas_agent.state import StateStore  # noqa: E402
from gpuaas_agent.timeutil import isoformat, utcnow  # noqa: E402

pytestmark = pytest.mark.unit

ALLOC = "alc_" + "c" * 26
NODE = "node_" + "a" * 26
ME = pwd.getpwuid(os.geteuid()).pw_name
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ4mX1o0cBf3zq8w9m9Tq2b0m6Jd5xK7bqF0n3Yt8uVw"
HAVE_SSHD = os.access(sshd.SSHD, os.X_OK) and shutil.which("ssh") is not None and shutil.which("ssh-keygen") is not None
needs_sshd = pytest.mark.skipif(
    not HAVE_SSHD, reason="openssh-server/-client missing: scripts/ensure-system-packages.sh"
)


def client_key(directory: Path, name: str = "id") -> tuple[Path, str]:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)], check=True)
    return path, path.with_name(name + ".pub").read_text().strip()


def payload(*keys: str, gpus: tuple[int, ...] = (2, 5), **extra: Any) -> dict[str, Any]:
    return {
        "allocation_id": ALLOC,
        "slots": [{"index": 0, "gpu_indexes": list(gpus)}],
        "container_image": "nvidia/cuda:12.4.1-runtime-ubuntu22.04",
        "ssh_public_keys": list(keys),
        "ssh_user": "gpuaas",
        **extra,
    }


def ssh(output: dict[str, Any], key: Path, known_hosts: Path, *command: str) -> subprocess.CompletedProcess[str]:
    argv = [
        "ssh", "-p", str(output["ssh_port"]), "-i", str(key),
        "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
        "-o", f"UserKnownHostsFile={known_hosts}", "-o", "ConnectTimeout=5", "-F", "/dev/null",
        f"{output['ssh_user']}@127.0.0.1", *command,
    ]  # fmt: skip
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL, check=False)


def known_hosts(path: Path, output: dict[str, Any]) -> Path:
    path.write_text(f"[127.0.0.1]:{output['ssh_port']} {output['ssh_host_key']}\n")
    return path


@pytest.fixture
def sandbox(tmp_path: Path) -> SandboxExecutor:
    return SandboxExecutor(
        tmp_path / "root", "127.0.0.1", listen_address="127.0.0.1", gpu_models={2: "L40S-48GB", 5: "L40S-48GB"}
    )


# The sandbox's sshd, for real ---------------------------------------------------------------------------


@needs_sshd
def test_a_sandbox_allocation_is_a_real_sshd_that_lands_in_its_home_with_its_gpus(sandbox, tmp_path):
    key, public = client_key(tmp_path / "client")
    output = sandbox.provision(payload(public))
    base = tmp_path / "root" / "allocations" / ALLOC
    assert output["ssh_user"] == ME  # the sshd runs as the agent's account and logs in that account only
    assert output["ssh_host"] == "127.0.0.1" and output["workload_id"] == f"sandbox-{ALLOC}"
    listed = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(base / "ssh" / "host_ed25519_key.pub")],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert output["ssh_host_key_fingerprint"] == listed[1]
    assert output["ssh_host_key"] == " ".join((base / "ssh" / "host_ed25519_key.pub").read_text().split()[:2])
    assert stat.S_IMODE((base / "ssh" / "host_ed25519_key").stat().st_mode) == 0o600
    for directory in (base, base / "ssh", base / "home"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700

    hosts = known_hosts(tmp_path / "known_hosts", output)
    run = ssh(output, key, hosts, "echo hello; pwd; echo $CUDA_VISIBLE_DEVICES; echo $HOME")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["hello", str(base / "home"), "2,5", str(base / "home")]
    if shutil.which("nvidia-smi") is None:  # the stand-in, only where there is no real one
        smi = ssh(output, key, hosts, "nvidia-smi -L")
        assert smi.stdout.splitlines() == [
            "GPU 2: L40S-48GB (UUID: GPU-sandbox-0002)",
            "GPU 5: L40S-48GB (UUID: GPU-sandbox-0005)",
        ]

    assert sandbox.release({"allocation_id": ALLOC}) == {"wiped": True}
    assert not base.exists()
    after = ssh(output, key, hosts, "echo still here")
    assert after.returncode == 255 and "Connection refused" in after.stderr
    assert sandbox.release({"allocation_id": ALLOC}) == {"wiped": True}  # idempotent


@needs_sshd
def test_a_wrong_key_and_a_wrong_host_key_are_refused(sandbox, tmp_path):
    _, public = client_key(tmp_path / "client")
    stranger, _ = client_key(tmp_path / "client", "stranger")
    output = sandbox.provision(payload(public))
    refused = ssh(output, stranger, known_hosts(tmp_path / "kh", output), "true")
    assert refused.returncode == 255 and "Permission denied (publickey)" in refused.stderr

    key = tmp_path / "client" / "id"
    _, impostor = client_key(tmp_path / "other", "impostor")  # any other ed25519 key as the host's
    tampered = tmp_path / "tampered"
    tampered.write_text(f"[127.0.0.1]:{output['ssh_port']} {' '.join(impostor.split()[:2])}\n")
    changed = ssh(output, key, tampered, "true")
    assert changed.returncode == 255 and "REMOTE HOST IDENTIFICATION HAS CHANGED" in changed.stderr


@needs_sshd
def test_provision_converges_restarts_a_dead_sshd_and_a_restarted_agent_adopts_the_live_one(sandbox, tmp_path):
    key, public = client_key(tmp_path / "client")
    first = sandbox.provision(payload(public))
    pid_file = tmp_path / "root" / "allocations" / ALLOC / "ssh" / "sshd.pid"
    pid = int(pid_file.read_text())
    assert sandbox.provision(payload(public)) == first
    assert int(pid_file.read_text()) == pid  # the same sshd
    adopted = SandboxExecutor(tmp_path / "root", "127.0.0.1", listen_address="127.0.0.1", gpu_models=sandbox.gpu_models)
    assert adopted.provision(payload(public)) == first and int(pid_file.read_text()) == pid

    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while sshd.serves(pid, pid_file.with_name("sshd_config")) and time.monotonic() < deadline:
        time.sleep(0.02)
    again = adopted.provision(payload(public))
    assert again == first  # same port, same host key
    assert int(pid_file.read_text()) != pid
    assert ssh(again, key, known_hosts(tmp_path / "kh", again), "echo back").stdout == "back\n"


@needs_sshd
def test_release_ends_the_sessions_and_what_they_left_running(sandbox, tmp_path):
    key, public = client_key(tmp_path / "client")
    output = sandbox.provision(payload(public))
    hosts = known_hosts(tmp_path / "kh", output)
    # A detached process (its own session, reparented away from sshd), and a login still open.
    assert ssh(output, key, hosts, "setsid sleep 300 </dev/null >/dev/null 2>&1 & echo started").returncode == 0
    session = subprocess.Popen(
        ["ssh", "-p", str(output["ssh_port"]), "-i", str(key), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
         "-o", f"UserKnownHostsFile={hosts}", "-F", "/dev/null", f"{ME}@127.0.0.1", "sleep 301"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while len(sshd.marked(ALLOC)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(sshd.marked(ALLOC)) >= 2
    sandbox.release({"allocation_id": ALLOC})
    assert sshd.marked(ALLOC) == set()
    assert session.wait(timeout=10) != 0  # its connection was cut


@needs_sshd
def test_sync_keys_takes_effect_for_new_connections(sandbox, tmp_path):
    old, old_public = client_key(tmp_path / "client", "old")
    new, new_public = client_key(tmp_path / "client", "new")
    output = sandbox.provision(payload(old_public))
    hosts = known_hosts(tmp_path / "kh", output)
    assert ssh(output, new, hosts, "true").returncode == 255
    assert sandbox.sync_keys({"allocation_id": ALLOC, "ssh_public_keys": [new_public]}) == {"authorized_keys": 1}
    assert ssh(output, new, hosts, "echo new").stdout == "new\n"
    assert "Permission denied" in ssh(output, old, hosts, "true").stderr
    keys = tmp_path / "root" / "allocations" / ALLOC / "ssh" / "authorized_keys"
    assert stat.S_IMODE(keys.stat().st_mode) == 0o600
    with pytest.raises(ExecutorError, match="no such allocation"):
        sandbox.sync_keys({"allocation_id": "alc_" + "d" * 26, "ssh_public_keys": [new_public]})


@needs_sshd
def test_the_agent_runs_a_sync_keys_command_through_its_processor(sandbox, tmp_path):
    _, public = client_key(tmp_path / "client")
    sandbox.provision(payload(public))
    command = {
        "protocol_version": 1, "command_id": "cmd_" + "9" * 26, "type": "sync_keys", "node_id": NODE,
        "issued_at": isoformat(utcnow()), "expires_at": isoformat(utcnow().replace(year=utcnow().year + 1)),
        "payload": {"allocation_id": ALLOC, "ssh_public_keys": [public, public]},
    }  # fmt: skip
    result = CommandProcessor(StateStore(tmp_path / "state"), sandbox, NODE).process(command)
    assert (result["status"], result["output"]) == ("succeeded", {"authorized_keys": 2})


def test_a_sandbox_below_a_directory_others_may_write_is_refused_before_sshd_starts(tmp_path):
    if not HAVE_SSHD:
        pytest.skip("no sshd")
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.raises(ExecutorError, match="StrictModes"):
        SandboxExecutor(shared / "root", "h").provision(payload(KEY))
    me = pwd.getpwuid(os.geteuid())
    assert sshd.strict_modes_problem(shared / "x" / "keys", me.pw_uid, me.pw_dir) is not None
    assert sshd.strict_modes_problem(tmp_path / "x" / "keys", me.pw_uid, me.pw_dir) is None  # the tests' own temp


# sshd_config ---------------------------------------------------------------------------------------------


def config(**over: Any) -> str:
    args: dict[str, Any] = {
        "port": 20123,
        "host_key": Path("/srv/a/ssh/host_ed25519_key"),
        "authorized_keys": "/srv/a/ssh/authorized_keys",
        "pid_file": Path("/srv/a/ssh/sshd.pid"),
        "user": "alice",
        "environment": {"CUDA_VISIBLE_DEVICES": "0,1", "GPUAAS_ALLOCATION_ID": ALLOC},
        "force_command": "/srv/a/ssh/login",
        **over,
    }
    return sshd.sshd_config(**args)


def test_sshd_config_accepts_public_keys_for_one_user_and_forwards_nothing_by_default():
    lines = config().splitlines()
    for expected in (
        "Port 20123",
        "HostKey /srv/a/ssh/host_ed25519_key",
        "PidFile /srv/a/ssh/sshd.pid",
        "AuthorizedKeysFile /srv/a/ssh/authorized_keys",
        "AllowUsers alice",
        "PermitRootLogin no",
        "UsePAM no",
        "AuthenticationMethods publickey",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "StrictModes yes",
        "AllowTcpForwarding no",
        "AllowAgentForwarding no",
        "X11Forwarding no",
        "PermitUserEnvironment no",
        f"SetEnv CUDA_VISIBLE_DEVICES=0,1 GPUAAS_ALLOCATION_ID={ALLOC}",
        "ForceCommand /srv/a/ssh/login",
    ):
        assert expected in lines, expected
    assert not any(line.startswith("ListenAddress") for line in lines)
    asked = config(tcp_forwarding=True, agent_forwarding=True, listen_address="127.0.0.1", user="root").splitlines()
    assert {"AllowTcpForwarding yes", "AllowAgentForwarding yes", "ListenAddress 127.0.0.1"} <= set(asked)
    assert "PermitRootLogin prohibit-password" in asked  # root logs in with a key only (an agent run as root)


@pytest.mark.skipif(not HAVE_SSHD, reason="no sshd")
def test_sshd_itself_accepts_the_config(tmp_path):
    key = sshd.ensure_host_key(tmp_path / "hk", "test")
    path = tmp_path / "sshd_config"
    path.write_text(config(host_key=tmp_path / "hk", pid_file=tmp_path / "pid"))
    if os.geteuid() == 0:
        Path(sshd.PRIVSEP_DIR).mkdir(mode=0o755, exist_ok=True)
    check = subprocess.run([sshd.SSHD, "-t", "-f", str(path)], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr
    assert key.fingerprint == sshd.fingerprint(key.public)


def test_sshd_config_refuses_what_it_cannot_quote():
    with pytest.raises(ExecutorError):
        config(host_key=Path("/srv/a b/key"))
    with pytest.raises(ExecutorError):
        config(environment={"CUDA_VISIBLE_DEVICES": "0 ForceCommand x"})


# Docker: the same contract, against a fake docker CLI --------------------------------------------------------


class FakeDocker:
    """Answers the docker CLI like a daemon would: no container until run, then a running one."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.running = False

    def __call__(self, argv: list[str]) -> Completed:
        self.calls.append(list(argv))
        if argv[1] == "inspect":
            return Completed(0, "true\n", "") if self.running else Completed(1, "", "Error: No such object")
        if argv[1] == "run":
            self.running = True
            return Completed(0, "f00d\n", "")
        if argv[1] == "rm":
            was, self.running = self.running, False
            return Completed(0, "", "") if was else Completed(1, "", "Error: No such container: x")
        return Completed(1, "", f"unexpected {argv}")


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="no ssh-keygen")
def test_docker_runs_sshd_with_the_agents_config_and_reports_its_host_key(tmp_path):
    fake = FakeDocker()
    docker = DockerExecutor(tmp_path, "gpu-01.example.com", runner=fake, port_free=None)
    output = docker.provision(payload(KEY))
    ssh_dir = tmp_path / "allocations" / ALLOC / "ssh"
    run = next(c for c in fake.calls if c[1] == "run")
    assert f"{ssh_dir}:/etc/gpuaas/ssh:ro" in run and run[-3:] == ["/bin/sh", "-c", SSHD_SCRIPT]
    assert "exec /usr/sbin/sshd -D -e -f /etc/gpuaas/ssh/sshd_config" in SSHD_SCRIPT
    lines = (ssh_dir / "sshd_config").read_text().splitlines()
    assert {"Port 22", "HostKey /etc/gpuaas/ssh/host_ed25519_key", "AuthorizedKeysFile /etc/gpuaas/ssh/authorized_keys",
            "AllowUsers gpuaas", "UsePAM no", "PasswordAuthentication no", "AllowTcpForwarding no",
            f"SetEnv CUDA_VISIBLE_DEVICES=0,1 GPUAAS_ALLOCATION_ID={ALLOC}"} <= set(lines)  # fmt: skip
    public = (ssh_dir / "host_ed25519_key.pub").read_text().split()
    assert output["ssh_host_key"] == " ".join(public[:2])
    assert output["ssh_host_key_fingerprint"] == sshd.fingerprint(output["ssh_host_key"])
    assert stat.S_IMODE((ssh_dir / "host_ed25519_key").stat().st_mode) == 0o600
    assert docker.provision(payload(KEY)) == output
    assert [c[1] for c in fake.calls] == ["inspect", "run", "inspect"]  # the running container is kept


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="no ssh-keygen")
def test_docker_sync_keys_replaces_the_file_in_the_mounted_directory(tmp_path):
    fake = FakeDocker()
    docker = DockerExecutor(tmp_path, "h", runner=fake, port_free=None)
    docker.provision(payload(KEY + " a"))
    keys = tmp_path / "allocations" / ALLOC / "ssh" / "authorized_keys"
    new = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBq9X2mQ7vR4sT1uW8yZ3aC6dE9fG2hJ5kL8nP1qR4sT b"
    assert docker.sync_keys({"allocation_id": ALLOC, "ssh_public_keys": [new]}) == {"authorized_keys": 1}
    assert keys.read_text() == new + "\n"
    assert stat.S_IMODE(keys.stat().st_mode) == 0o644  # read by root in the container: StrictModes
    assert [c[1] for c in fake.calls] == ["inspect", "run"]  # no docker call: the directory is mounted
    docker.release({"allocation_id": ALLOC})
    with pytest.raises(ExecutorError, match="no such allocation"):
        docker.sync_keys({"allocation_id": ALLOC, "ssh_public_keys": [new]})
