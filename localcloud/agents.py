"""The local demo fleet: real ``gpuaas-agent`` processes with simulated GPUs.

Each host registers with its own single-use bootstrap token, exactly as a real host would, then
long-polls its own queue on the moto server and sends heartbeats to the API. Their logs go to
files in a temporary state directory, not to the console.

Each allocation on a demo host is a real sshd (the sandbox executor) on 127.0.0.1, which is what the
hosts report as their ssh address. The fleet's directory is not under /tmp: sshd's StrictModes refuses
authorized_keys below a directory others may write to (``private_temp_root``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

_AGENT = "import sys; from gpuaas_agent.cli import main; sys.exit(main())"
# What the demo hosts report as their ssh address, and where their sshd listen.
SSH_HOST = "127.0.0.1"


def private_temp_root() -> Path:
    """A directory for temporary fleets that only this user can write to, up to the home directory
    (``$GPUAAS_TMPDIR``, default ``~/.cache/gpuaas/tmp``)."""
    root = Path(os.environ.get("GPUAAS_TMPDIR") or Path.home() / ".cache" / "gpuaas" / "tmp")
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    for directory in (root, root.parent):
        if directory.stat().st_uid == os.geteuid():
            directory.chmod(0o700)
    return root


@dataclass
class _Host:
    hostname: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]


class AgentFleet:
    def __init__(self, api_url: str) -> None:
        self.api_url = api_url
        self.root = Path(tempfile.mkdtemp(prefix="gpuaas-demo-fleet-", dir=private_temp_root()))
        self.hosts: list[_Host] = []

    def start(
        self,
        hostname: str,
        bootstrap_token: str | None,
        gpus: int,
        model: str,
        *,
        provision_seconds: float = 0.0,
    ) -> None:
        """Start a host's agent; ``bootstrap_token`` None restarts one that registered before."""
        state = self.root / hostname
        state.mkdir(mode=0o700, exist_ok=True)
        log = (self.root / f"{hostname}.log").open("ab")
        argv = [
            sys.executable,
            "-c",
            _AGENT,
            "run",
            "--api-url",
            self.api_url,
            "--state-dir",
            str(state),
            "--executor",
            "sandbox",
            "--hostname",
            hostname,
            "--ssh-host",
            SSH_HOST,
            "--ssh-listen-address",
            SSH_HOST,
            "--simulate-gpus",
            str(gpus),
            "--simulate-model",
            model,
            "--sandbox-provision-seconds",
            str(provision_seconds),
        ]
        if bootstrap_token:
            argv += ["--bootstrap-token", bootstrap_token]
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603 - our own agent
        self.hosts.append(_Host(hostname, process, log))

    def kill(self, hostname: str) -> None:
        """SIGKILL one host's agent, as a crash or a power cut would."""
        for host in self.hosts:
            if host.hostname == hostname and host.process.poll() is None:
                host.process.kill()
                host.process.wait()

    def signal_stop(self) -> None:
        """Ask every agent to finish its current command and exit (SIGTERM, as systemd would)."""
        for host in self.hosts:
            if host.process.poll() is None:
                host.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float = 30.0) -> None:
        """Wait for the agents to exit, then stop the allocations' sshd (they outlive an agent, as on a
        real host) and remove the fleet's directory."""
        for host in self.hosts:
            try:
                host.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                host.process.kill()
                host.process.wait()
            host.log.close()
        self.stop_sshd()
        shutil.rmtree(self.root, ignore_errors=True)

    def stop_sshd(self) -> int:
        """Stop every sshd (and its sessions) of this fleet's allocations; how many there were."""
        from gpuaas_agent.executors.sshd import stop_servers_under

        return stop_servers_under(self.root)
