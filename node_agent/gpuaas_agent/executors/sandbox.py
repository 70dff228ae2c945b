"""The sandbox executor: real files under a root directory, no containers. For the local demo fleet and tests.

provision creates ``<root>/allocations/<allocation_id>/`` with ``home/<ssh_user>/.ssh/authorized_keys``
(0600, in a 0700 .ssh), a ``gpus`` file listing the GPU indexes and a ``port`` file; release removes it all.
"""

from __future__ import annotations

import os
import time
from typing import Any

from gpuaas_agent.executors.base import AllocationDirs, authorized_keys_text, gpu_indexes
from gpuaas_agent.workloads import StartupCommand, script_environment


class SandboxExecutor:
    name = "sandbox"

    def __init__(self, root: str | os.PathLike[str], hostname: str, provision_seconds: float = 0.0) -> None:
        self.dirs = AllocationDirs(root)
        self.hostname = hostname
        # Stands in for an image pull in demos and tests (a real provision takes seconds to minutes).
        self.provision_seconds = provision_seconds

    def provision(self, payload: dict[str, Any]) -> dict[str, Any]:
        allocation_id = payload["allocation_id"]
        user = payload["ssh_user"]
        base = self.dirs.ensure(allocation_id)
        if self.provision_seconds > 0:
            time.sleep(self.provision_seconds)
        ssh_dir = base / "home" / user / ".ssh"
        ssh_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(ssh_dir, 0o700)
        self.dirs.write(ssh_dir / "authorized_keys", authorized_keys_text(payload["ssh_public_keys"]), 0o600)
        self.dirs.write(base / "gpus", "".join(f"{i}\n" for i in gpu_indexes(payload)), 0o644)
        self.dirs.write(base / "image", f"{payload['container_image']}\n", 0o644)
        port = self.dirs.port(allocation_id)
        workload_id = f"sandbox-{allocation_id}"
        return {"ssh_host": self.hostname, "ssh_port": port, "ssh_user": user, "workload_id": workload_id}

    def startup_command(self, payload: dict[str, Any]) -> StartupCommand:
        """The startup script runs on the host, in the allocation's directory, on the allocation's GPUs."""
        allocation_id = payload["allocation_id"]
        base = self.dirs.ensure(allocation_id)
        script = base / "startup.sh"
        self.dirs.write(script, payload["startup_script"], 0o700)
        env = script_environment(
            {
                "CUDA_VISIBLE_DEVICES": ",".join(str(i) for i in gpu_indexes(payload)),
                "GPUAAS_ALLOCATION_ID": allocation_id,
                "HOME": str(base / "home" / payload["ssh_user"]),
            }
        )
        return StartupCommand(["/bin/sh", str(script)], base, env)

    def release(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.dirs.wipe(payload["allocation_id"])
        return {"wiped": True}
