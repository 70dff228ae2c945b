"""The sandbox executor: no containers; each allocation is a directory on the host and its own OpenSSH server.

``<root>/allocations/<allocation_id>/`` (0700) holds::

    home/                 the login directory (and $HOME) of the allocation's logins
    bin/nvidia-smi        a stand-in, only when this host has no real nvidia-smi
    gpus, image, port     the GPU indexes, the container image asked for, the sshd's port
    ssh/                  0700: host_ed25519_key (0600) and .pub, authorized_keys (0600), sshd_config,
                          login (the ForceCommand), bashrc, sshd.pid, sshd.log

provision starts ``/usr/sbin/sshd -D -e -f <allocation>/ssh/sshd_config`` in its own session (it outlives an
agent restart; the next provision of the same allocation finds it through its pid file, or starts it again
when it died). The sshd runs as the agent's own OS account and so can log in that account only: the
``ssh_user`` reported is that account's name (node_agent/README.md, "SSH"). release kills the sshd and every
process of its sessions, then removes the directory.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import time
from collections.abc import Mapping
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

LOGIN = """#!/bin/sh
# The login of allocation {allocation_id} (sshd's ForceCommand): its home, its GPUs, then the shell or the command.
HOME={home}
CUDA_VISIBLE_DEVICES={devices}
{env}={allocation_id}
PATH={bin}:$PATH
export HOME CUDA_VISIBLE_DEVICES {env} PATH
cd "$HOME" || exit 1
shell=${{SHELL:-/bin/sh}}
if [ -n "${{SSH_ORIGINAL_COMMAND:-}}" ]; then
    exec "$shell" -c "$SSH_ORIGINAL_COMMAND"
fi
case "$shell" in
    */bash) exec "$shell" --rcfile {bashrc} -i ;;
esac
exec "$shell" -i
"""

# An interactive bash that is not a login shell keeps the PATH above (a login shell's /etc/profile resets it).
BASHRC = """[ -f /etc/bash.bashrc ] && . /etc/bash.bashrc
[ -f "$HOME/.bashrc" ] && . "$HOME/.bashrc"
cd "$HOME"
"""

NVIDIA_SMI_STAND_IN = """#!/bin/sh
# A stand-in for nvidia-smi on a host without NVIDIA's driver (the gpuaas sandbox executor's demo hosts).
if [ "${{1:-}}" = "-L" ]; then
{listing}
    exit 0
fi
echo "gpuaas sandbox: this host has no NVIDIA driver; these are the allocation's simulated GPUs."
echo "CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES"
echo "+-----+------------------------------+"
echo "| GPU | Name                         |"
echo "+-----+------------------------------+"
{rows}
echo "+-----+------------------------------+"
"""


class SandboxExecutor:
    name = "sandbox"

    def __init__(
        self,
        root: str | os.PathLike[str],
        ssh_host: str,
        provision_seconds: float = 0.0,
        *,
        port_range: tuple[int, int] = DEFAULT_PORT_RANGE,
        listen_address: str | None = None,
        gpu_models: Mapping[int, str] | None = None,
    ) -> None:
        self.listen_address = listen_address
        self.dirs = AllocationDirs(root, port_range, lambda port: sshd.port_is_free(port, listen_address or ""))
        self.ssh_host = ssh_host
        # Stands in for an image pull in demos and tests (a real provision takes seconds to minutes).
        self.provision_seconds = provision_seconds
        self.gpu_models = dict(gpu_models or {})

    def provision(self, payload: dict[str, Any]) -> dict[str, Any]:
        allocation_id = payload["allocation_id"]
        if not os.access(sshd.SSHD, os.X_OK):
            raise ExecutorError(f"{sshd.SSHD} is missing: install openssh-server (scripts/ensure-system-packages.sh)")
        me = sshd.account()
        base = self.dirs.ensure(allocation_id)
        os.chmod(base, 0o700)
        if self.provision_seconds > 0:
            time.sleep(self.provision_seconds)
        ssh_dir, home, bin_dir = base / "ssh", base / "home", base / "bin"
        for directory in (ssh_dir, home, bin_dir):
            directory.mkdir(mode=0o700, exist_ok=True)
            os.chmod(directory, 0o700)
        keys = ssh_dir / "authorized_keys"
        self.dirs.write(keys, authorized_keys_text(payload["ssh_public_keys"]), 0o600)
        problem = sshd.strict_modes_problem(keys, me.pw_uid, me.pw_dir)
        if problem:
            raise ExecutorError(f"sshd (StrictModes) would refuse the keys: {problem}; choose another --sandbox-root")
        gpus = gpu_indexes(payload)
        self.dirs.write(base / "gpus", "".join(f"{i}\n" for i in gpus), 0o644)
        self.dirs.write(base / "image", f"{payload['container_image']}\n", 0o644)
        self._nvidia_smi(bin_dir / "nvidia-smi", gpus)
        host_key = sshd.ensure_host_key(ssh_dir / "host_ed25519_key", f"gpuaas-{allocation_id}")
        port = self.dirs.port(allocation_id)
        config, pid_file = ssh_dir / "sshd_config", ssh_dir / "sshd.pid"
        q = shlex.quote
        devices = ",".join(str(i) for i in gpus)
        login = LOGIN.format(
            allocation_id=allocation_id, home=q(str(home)), devices=devices, env=sshd.ALLOCATION_ENV,
            bin=q(str(bin_dir)), bashrc=q(str(ssh_dir / "bashrc")),
        )  # fmt: skip
        self.dirs.write(ssh_dir / "bashrc", BASHRC, 0o600)
        self.dirs.write(ssh_dir / "login", login, 0o700)
        text = sshd.sshd_config(
            port=port,
            host_key=ssh_dir / "host_ed25519_key",
            authorized_keys=sshd.checked_path(keys),
            pid_file=pid_file,
            user=me.pw_name,
            # HOME is the allocation's own: the account's shell start-up files stay out of its logins.
            environment={"HOME": str(home), "CUDA_VISIBLE_DEVICES": devices, sshd.ALLOCATION_ENV: allocation_id},
            force_command=sshd.checked_path(ssh_dir / "login"),
            listen_address=self.listen_address,
            tcp_forwarding=bool(payload.get("ssh_tcp_forwarding")),
            agent_forwarding=bool(payload.get("ssh_agent_forwarding")),
        )
        config_changed = not config.exists() or config.read_text() != text
        self.dirs.write(config, text, 0o600)
        pid = sshd.running_sshd(pid_file, config)
        if pid is not None and config_changed:
            sshd.stop_sshd(pid, allocation_id)  # a different configuration: start it afresh
            pid = None
        if pid is None:
            sshd.start_sshd(config, pid_file, ssh_dir / "sshd.log")
        return {
            "ssh_host": self.ssh_host,
            "ssh_port": port,
            "ssh_user": me.pw_name,
            "workload_id": f"sandbox-{allocation_id}",
            "ssh_host_key": host_key.public,
            "ssh_host_key_fingerprint": host_key.fingerprint,
        }

    def _nvidia_smi(self, path: Path, gpus: list[int]) -> None:
        """Put a stand-in on the login's PATH only when this host has no real nvidia-smi."""
        if shutil.which("nvidia-smi"):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            return
        q = shlex.quote
        models = {i: self.gpu_models.get(i, "simulated GPU") for i in gpus}
        listing = "\n".join(f"    echo {q(f'GPU {i}: {m} (UUID: GPU-sandbox-{i:04d})')}" for i, m in models.items())
        rows = "\n".join(f"echo {q(f'| {i:>3} | {m:<28} |')}" for i, m in models.items())
        self.dirs.write(path, NVIDIA_SMI_STAND_IN.format(listing=listing, rows=rows), 0o700)

    def startup_command(self, payload: dict[str, Any]) -> StartupCommand:
        """The startup script runs on the host, in the allocation's directory, on the allocation's GPUs."""
        allocation_id = payload["allocation_id"]
        base = self.dirs.ensure(allocation_id)
        script = base / "startup.sh"
        self.dirs.write(script, payload["startup_script"], 0o700)
        home = base / "home"
        home.mkdir(mode=0o700, exist_ok=True)
        # The same environment as an SSH login's (its home, its GPUs, its PATH with the stand-ins); the
        # allocation id in the environment is also what lets release find and kill what the script left behind.
        env = script_environment(
            {
                "CUDA_VISIBLE_DEVICES": ",".join(str(i) for i in gpu_indexes(payload)),
                sshd.ALLOCATION_ENV: allocation_id,
                "HOME": str(home),
                "PATH": f"{base / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            }
        )
        return StartupCommand(["/bin/sh", str(script)], home, env)

    def release(self, payload: dict[str, Any]) -> dict[str, Any]:
        allocation_id = payload["allocation_id"]
        ssh_dir = self.dirs.path(allocation_id) / "ssh"
        pid = sshd.running_sshd(ssh_dir / "sshd.pid", ssh_dir / "sshd_config") if ssh_dir.exists() else None
        sshd.stop_sshd(pid, allocation_id)
        self.dirs.wipe(allocation_id)
        return {"wiped": True}

    def sync_keys(self, payload: dict[str, Any]) -> dict[str, Any]:
        """New keys take effect for the next connection: sshd reads authorized_keys at each login."""
        ssh_dir = self.dirs.path(payload["allocation_id"]) / "ssh"
        if not ssh_dir.is_dir():
            raise ExecutorError("no such allocation on this host")
        keys = payload["ssh_public_keys"]
        self.dirs.write(ssh_dir / "authorized_keys", authorized_keys_text(keys), 0o600)
        return {"authorized_keys": len(keys)}
