"""What every executor offers, and the allocation directory both executors keep on the host."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

# The ports allocations' sshd listen on unless the agent is told otherwise (--ssh-port-range).
DEFAULT_PORT_RANGE = (20000, 39999)


class ExecutorError(Exception):
    """The workload could not be created or removed; the message goes into the failed result."""


class Executor(Protocol):
    name: str

    def provision(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Create the workload (converging if it already exists); returns ssh_host, ssh_port, ssh_user, workload_id."""
        ...

    def release(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Remove the workload and wipe its data (a no-op if it is already gone); returns ``{"wiped": true}``."""
        ...

    def sync_keys(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Replace the allocation's authorized keys (atomically); returns ``{"authorized_keys": N}``."""
        ...


def gpu_indexes(payload: dict[str, Any]) -> list[int]:
    return sorted({int(i) for slot in payload["slots"] for i in slot["gpu_indexes"]})


def authorized_keys_text(keys: list[str]) -> str:
    return "".join(f"{key.strip()}\n" for key in keys)


class AllocationDirs:
    """``<root>/allocations/<allocation_id>/`` with the user's home, its authorized_keys and the port."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        port_range: tuple[int, int] = DEFAULT_PORT_RANGE,
        port_free: Callable[[int], bool] | None = None,
    ) -> None:
        self.root = Path(root)
        self.allocations = self.root / "allocations"
        low, high = port_range
        if not 1 <= low <= high <= 65535:
            raise ValueError(f"bad port range {low}-{high}")
        self.port_range = (low, high)
        # Whether a port can be bound on this host now (another program may hold one of the range).
        self.port_free = port_free

    def path(self, allocation_id: str) -> Path:
        return self.allocations / allocation_id

    def ensure(self, allocation_id: str, dir_mode: int = 0o700) -> Path:
        self.allocations.mkdir(mode=0o755, parents=True, exist_ok=True)
        path = self.path(allocation_id)
        path.mkdir(mode=dir_mode, exist_ok=True)
        return path

    def write(self, path: Path, text: str, mode: int) -> None:
        """Write ``text`` atomically with ``mode`` from creation."""
        tmp = path.with_name(f".{path.name}.tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
        with os.fdopen(fd, "w") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)

    def port(self, allocation_id: str) -> int:
        """A port of the range derived from the allocation id, stable across retries (kept in the ``port``
        file), probing past ports other live allocations on this host hold and ports already bound."""
        path = self.path(allocation_id) / "port"
        with contextlib.suppress(FileNotFoundError, ValueError):
            return int(path.read_text())
        taken = set()
        if self.allocations.exists():
            for other in self.allocations.iterdir():
                with contextlib.suppress(FileNotFoundError, ValueError, NotADirectoryError):
                    if other.name != allocation_id:
                        taken.add(int((other / "port").read_text()))
        low, high = self.port_range
        span = high - low + 1
        start = int.from_bytes(hashlib.sha256(allocation_id.encode()).digest()[:4], "big") % span
        for step in range(span):
            candidate = low + (start + step) % span
            if candidate not in taken and (self.port_free is None or self.port_free(candidate)):
                self.ensure(allocation_id)
                self.write(path, f"{candidate}\n", 0o644)
                return candidate
        raise ExecutorError("no free port for the allocation")

    def wipe(self, allocation_id: str) -> None:
        path = self.path(allocation_id)
        if path.is_symlink():
            path.unlink()
        elif path.exists():
            shutil.rmtree(path)
