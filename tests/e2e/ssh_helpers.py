"""What the SSH tests share: client keys from ssh-keygen, the gpuaas CLI as a process, keys on the account."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.e2e.fleet_helpers import Rentable

HAVE_OPENSSH = bool(os.access("/usr/sbin/sshd", os.X_OK) and shutil.which("ssh") and shutil.which("ssh-keygen"))


def keygen(directory: Path, name: str) -> tuple[Path, str]:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)], check=True)
    return path, path.with_name(f"{name}.pub").read_text().strip()


class Cli:
    """The gpuaas command as a separate process (``gpuaas ssh`` replaces itself with ssh)."""

    def __init__(self, api_url: str, config_dir: Path) -> None:
        self.env = {k: v for k, v in os.environ.items() if k not in ("SSH_AUTH_SOCK", "GPUAAS_API_KEY")}
        self.env.update(GPUAAS_CONFIG_DIR=str(config_dir), GPUAAS_API_URL=api_url)
        self.config_dir = config_dir

    def __call__(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "gpuaas_client.cli", *argv],
            env=self.env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, check=False)


def add_key(fleet: Rentable, name: str, public_key: str) -> str:
    r = fleet.api.request(
        "POST", "/v1/ssh-keys", role=None, headers=fleet.customer, json={"name": name, "public_key": public_key}
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def until(check: Any, timeout: float = 15.0) -> Any:
    """Poll ``check`` until it returns something true (within seconds, as the keys route promises)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)
