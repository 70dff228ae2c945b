"""The docker executor: one container per allocation, through the docker CLI.

provision writes ``<root>/allocations/<allocation_id>/ssh/``: the allocation's ed25519 host key (generated
once, on the host, so that the agent can report it), its authorized_keys and an sshd_config, and runs::

    docker run -d --name gpuaas-<allocation_id> --gpus '"device=0,1"' -p <port>:22
        -v <root>/allocations/<id>/ssh:/etc/gpuaas/ssh:ro ... <image> /bin/sh -c <ensure sshd, exec sshd -D>

The directory is mounted, not the files, so that a key change (an atomic rename on the host) shows in the
container. A container that is already running is kept (provisioning twice converges); a stopped one is
replaced. release runs ``docker rm -f`` (a missing container is fine) and wipes the directory.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gpuaas_agent.executors import sshd
from gpuaas_agent.executors.base import (
    DEFAULT_PORT_RANGE,
    AllocationDirs,
    ExecutorError,
    authorized_keys_text,
    gpu_indexes,
)
from gpuaas_agent.workloads import StartupCommand, script_environment

# Where the allocation's ssh directory is mounted in the container.
CONTAINER_SSH_DIR = "/etc/gpuaas/ssh"

# Runs inside the container: make sure sshd and the user exist (an unlocked account without a password:
# sshd refuses a locked one), then serve ssh in the foreground with the agent's configuration.
SSHD_SCRIPT = (
    "set -e; "
    "if [ ! -x /usr/sbin/sshd ]; then "
    "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "
    "openssh-server >/dev/null; fi; "
    'id -u "$GPUAAS_SSH_USER" >/dev/null 2>&1 || useradd -m -d "/home/$GPUAAS_SSH_USER" -s /bin/bash -p "*" '
    '"$GPUAAS_SSH_USER"; '
    "mkdir -p /run/sshd; "
    f"exec /usr/sbin/sshd -D -e -f {CONTAINER_SSH_DIR}/sshd_config"
)


@dataclass
class Completed:
    returncode: int
    stdout: str
    stderr: str


Runner = Callable[[Sequence[str]], Completed]


def subprocess_runner(argv: Sequence[str]) -> Completed:
    run = subprocess.run(list(argv), capture_output=True, text=True, check=False, timeout=900)  # noqa: S603
    return Completed(run.returncode, run.stdout, run.stderr)


def container_name(allocation_id: str) -> str:
    return f"gpuaas-{allocation_id}"


class DockerExecutor:
    name = "docker"

    def __init__(
        self,
        root: str | os.PathLike[str],
        ssh_host: str,
        runner: Runner = subprocess_runner,
        docker: str = "docker",
        *,
        port_range: tuple[int, int] = DEFAULT_PORT_RANGE,
        port_free: Callable[[int], bool] | None = sshd.port_is_free,
    ) -> None:
        self.dirs = AllocationDirs(root, port_range, port_free)
        self.ssh_host = ssh_host
        self.runner = runner
        self.docker = docker

    def run_argv(self, payload: dict[str, Any], port: int, ssh_dir: str) -> list[str]:
        allocation_id = payload["allocation_id"]
        user = payload["ssh_user"]
        devices = ",".join(str(i) for i in gpu_indexes(payload))
        return [
            self.docker,
            "run",
            "-d",
            "--name",
            container_name(allocation_id),
            "--gpus",
            f'"device={devices}"',
            "-p",
            f"{port}:22",
            "-v",
            f"{ssh_dir}:{CONTAINER_SSH_DIR}:ro",
            "--label",
            f"gpuaas.allocation_id={allocation_id}",
            "--restart",
            "unless-stopped",
            "-e",
            f"GPUAAS_SSH_USER={user}",
            payload["container_image"],
            "/bin/sh",
            "-c",
            SSHD_SCRIPT,
        ]

    def _docker(self, *args: str) -> Completed:
        return self.runner([self.docker, *args])

    def provision(self, payload: dict[str, Any]) -> dict[str, Any]:
        allocation_id = payload["allocation_id"]
        user = payload["ssh_user"]
        name = container_name(allocation_id)
        base = self.dirs.ensure(allocation_id, dir_mode=0o755)
        ssh_dir = base / "ssh"
        ssh_dir.mkdir(mode=0o755, exist_ok=True)
        # sshd reads these as root in the container: root-owned (the agent runs as root to drive docker),
        # not writable by others, passes its StrictModes; the private host key is 0600.
        self.dirs.write(ssh_dir / "authorized_keys", authorized_keys_text(payload["ssh_public_keys"]), 0o644)
        host_key = sshd.ensure_host_key(ssh_dir / "host_ed25519_key", f"gpuaas-{allocation_id}")
        # --gpus hands the container only its devices, numbered from 0 inside it.
        devices = ",".join(str(i) for i in range(len(gpu_indexes(payload))))
        config = sshd.sshd_config(
            port=22,
            host_key=Path(CONTAINER_SSH_DIR) / "host_ed25519_key",
            authorized_keys=f"{CONTAINER_SSH_DIR}/authorized_keys",
            pid_file=None,
            user=user,
            environment={
                "CUDA_VISIBLE_DEVICES": devices,
                sshd.ALLOCATION_ENV: allocation_id,
            },
            force_command=None,
            tcp_forwarding=bool(payload.get("ssh_tcp_forwarding")),
            agent_forwarding=bool(payload.get("ssh_agent_forwarding")),
        )
        self.dirs.write(ssh_dir / "sshd_config", config, 0o644)
        port = self.dirs.port(allocation_id)
        output = {
            "ssh_host": self.ssh_host,
            "ssh_port": port,
            "ssh_user": user,
            "workload_id": name,
            "ssh_host_key": host_key.public,
            "ssh_host_key_fingerprint": host_key.fingerprint,
        }
        state = self._docker("inspect", "--format", "{{.State.Running}}", name)
        if state.returncode == 0 and state.stdout.strip() == "true":
            return output
        if state.returncode == 0:  # exists but is not running: replace it
            self._docker("rm", "-f", name)
        run = self.runner(self.run_argv(payload, port, str(ssh_dir)))
        if run.returncode != 0:
            raise ExecutorError(f"docker run failed: {run.stderr.strip()[:300]}")
        return output

    def sync_keys(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Rewrite the mounted authorized_keys; the container's sshd reads it at the next login."""
        ssh_dir = self.dirs.path(payload["allocation_id"]) / "ssh"
        if not ssh_dir.is_dir():
            raise ExecutorError("no such allocation on this host")
        keys = payload["ssh_public_keys"]
        self.dirs.write(ssh_dir / "authorized_keys", authorized_keys_text(keys), 0o644)
        return {"authorized_keys": len(keys)}

    def startup_command(self, payload: dict[str, Any]) -> StartupCommand:
        """The startup script runs inside the container (fed on stdin), where its GPUs are numbered from 0."""
        allocation_id = payload["allocation_id"]
        visible = ",".join(str(i) for i in range(len(gpu_indexes(payload))))
        argv = [
            self.docker,
            "exec",
            "-i",
            "-e",
            f"CUDA_VISIBLE_DEVICES={visible}",
            "-e",
            f"GPUAAS_ALLOCATION_ID={allocation_id}",
            container_name(allocation_id),
            "/bin/sh",
            "-s",
        ]
        return StartupCommand(argv, self.dirs.path(allocation_id), script_environment({}), payload["startup_script"])

    def release(self, payload: dict[str, Any]) -> dict[str, Any]:
        allocation_id = payload["allocation_id"]
        removed = self._docker("rm", "-f", "-v", container_name(allocation_id))  # -v: anonymous volumes too
        if removed.returncode != 0 and "no such container" not in removed.stderr.lower():
            raise ExecutorError(f"docker rm failed: {removed.stderr.strip()[:300]}")
        self.dirs.wipe(allocation_id)
        return {"wiped": True}
