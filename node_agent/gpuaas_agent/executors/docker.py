"""The docker executor: one container per allocation, through the docker CLI.

provision writes the user's authorized_keys under ``<root>/allocations/<allocation_id>/`` and runs::

    docker run -d --name gpuaas-<allocation_id> --gpus '"device=0,1"' -p <port>:22
        -v <authorized_keys>:/home/<user>/.ssh/authorized_keys:ro ... <image> /bin/sh -c <start sshd>

A container that is already running is kept (provisioning twice converges); a stopped one is replaced.
release runs ``docker rm -f`` (a missing container is fine) and wipes the directory.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gpuaas_agent.executors.base import AllocationDirs, ExecutorError, authorized_keys_text, gpu_indexes
from gpuaas_agent.workloads import StartupCommand, script_environment

# Runs inside the container: make sure sshd and the user exist, then serve ssh in the foreground.
SSHD_SCRIPT = (
    "set -e; "
    "if ! command -v sshd >/dev/null 2>&1 && [ ! -x /usr/sbin/sshd ]; then "
    "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "
    "openssh-server >/dev/null; fi; "
    'id -u "$GPUAAS_SSH_USER" >/dev/null 2>&1 || useradd -M -d "/home/$GPUAAS_SSH_USER" -s /bin/bash '
    '"$GPUAAS_SSH_USER"; '
    "mkdir -p /run/sshd; ssh-keygen -A >/dev/null; "
    "exec /usr/sbin/sshd -D -e -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no "
    "-o PermitRootLogin=no"
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
        self, root: str | os.PathLike[str], hostname: str, runner: Runner = subprocess_runner, docker: str = "docker"
    ) -> None:
        self.dirs = AllocationDirs(root)
        self.hostname = hostname
        self.runner = runner
        self.docker = docker

    def run_argv(self, payload: dict[str, Any], port: int, keys_path: str) -> list[str]:
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
            f"{keys_path}:/home/{user}/.ssh/authorized_keys:ro",
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
        keys_path = base / "authorized_keys"
        # sshd reads authorized_keys as the container user: root-owned and 0644 passes StrictModes, 0600 would not.
        self.dirs.write(keys_path, authorized_keys_text(payload["ssh_public_keys"]), 0o644)
        port = self.dirs.port(allocation_id)
        state = self._docker("inspect", "--format", "{{.State.Running}}", name)
        if state.returncode == 0 and state.stdout.strip() == "true":
            return self._output(name, port, user)
        if state.returncode == 0:  # exists but is not running: replace it
            self._docker("rm", "-f", name)
        run = self.runner(self.run_argv(payload, port, str(keys_path)))
        if run.returncode != 0:
            raise ExecutorError(f"docker run failed: {run.stderr.strip()[:300]}")
        return self._output(name, port, user)

    def _output(self, name: str, port: int, user: str) -> dict[str, Any]:
        return {"ssh_host": self.hostname, "ssh_port": port, "ssh_user": user, "workload_id": name}

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
