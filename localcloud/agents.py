"""The local demo fleet: real ``gpuaas-agent`` processes with simulated GPUs.

Each host registers with its own single-use bootstrap token, exactly as a real host would, then
long-polls its own queue on the moto server and sends heartbeats to the API. Their logs go to
files in a temporary state directory, not to the console.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

_AGENT = "import sys; from gpuaas_agent.cli import main; sys.exit(main())"


@dataclass
class _Host:
    hostname: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]


class AgentFleet:
    def __init__(self, api_url: str) -> None:
        self.api_url = api_url
        self.root = Path(tempfile.mkdtemp(prefix="gpuaas-demo-fleet-"))
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
        for host in self.hosts:
            try:
                host.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                host.process.kill()
                host.process.wait()
            host.log.close()
        shutil.rmtree(self.root, ignore_errors=True)
