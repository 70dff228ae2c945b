"""Startup scripts: run after an allocation's workload exists, in the background, and stopped on release.

The provision command's payload may carry a ``startup_script``. Once the workload is provisioned, the agent
starts it (the provision result is reported at once, without waiting for it) through the executor's
``startup_command``: the sandbox runs it on the host in the allocation's directory with
``CUDA_VISIBLE_DEVICES`` set to the allocation's GPU indexes; the docker executor runs it inside the
allocation's container (``docker exec``), where its GPUs are numbered from 0. Its stdout and stderr, line by
line, go to the allocation's log stream, followed by a line with its exit status. Releasing the allocation
(or stopping the agent) ends it: SIGTERM to its process group, SIGKILL after a grace period.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from gpuaas_agent.logs import log
from gpuaas_agent.shipper import MARKER, block_stop_signals

logger = logging.getLogger(__name__)

Emit = Callable[[str, str], None]
_READ_LIMIT = 65536


@dataclass(frozen=True)
class StartupCommand:
    """How an executor runs a startup script: the argv, its directory, its environment, and its stdin."""

    argv: Sequence[str]
    cwd: Path
    env: Mapping[str, str]
    stdin: str | None = None


@dataclass
class _Running:
    process: subprocess.Popen[bytes]
    reader: threading.Thread
    stopping: bool = False
    done: threading.Event = field(default_factory=threading.Event)


class StartupScripts:
    def __init__(self, emit: Emit, *, kill_grace_seconds: float = 5.0) -> None:
        self.emit = emit
        self.kill_grace_seconds = kill_grace_seconds
        self._running: dict[str, _Running] = {}
        self._lock = threading.Lock()

    def start(self, allocation_id: str, command: StartupCommand) -> bool:
        """Start the script unless it already runs; True when it was started now."""
        with self._lock:
            current = self._running.get(allocation_id)
            if current is not None and current.process.poll() is None:
                return False
            try:
                process = subprocess.Popen(  # noqa: S603 - argv from the executor, never a host shell line
                    list(command.argv),
                    cwd=command.cwd,
                    env=dict(command.env),
                    stdin=subprocess.PIPE if command.stdin is not None else subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: release kills all of it
                )
            except OSError as exc:
                log(logger, "startup_script_not_started", logging.ERROR, allocation_id=allocation_id, error=str(exc))
                self.emit(allocation_id, f"{MARKER} startup script could not start: {exc}")
                return False
            running = _Running(process, threading.Thread(target=lambda: None))
            running.reader = threading.Thread(
                target=self._pump, args=(allocation_id, running, command.stdin), name=f"script-{allocation_id}",
                daemon=True,
            )  # fmt: skip
            self._running[allocation_id] = running
        running.reader.start()
        log(logger, "startup_script_started", allocation_id=allocation_id, pid=process.pid)
        return True

    def _pump(self, allocation_id: str, running: _Running, stdin: str | None) -> None:
        block_stop_signals()
        process = running.process
        if stdin is not None and process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.write(stdin.encode())
            with contextlib.suppress(OSError):
                process.stdin.close()
        out: IO[bytes] | None = process.stdout
        if out is not None:
            # A line longer than this arrives in pieces (the shipper cuts each to its own limit).
            for raw in iter(lambda: out.readline(_READ_LIMIT), b""):
                self.emit(allocation_id, raw.decode("utf-8", "replace").rstrip("\r\n"))
            out.close()
        status = process.wait()
        if running.stopping:
            note = f"{MARKER} startup script stopped (exit status {status}): the allocation is being released"
        elif status < 0:
            note = f"{MARKER} startup script killed by signal {-status}"
        else:
            note = f"{MARKER} startup script exited with status {status}"
        self.emit(allocation_id, note)
        log(logger, "startup_script_finished", allocation_id=allocation_id, status=status, stopped=running.stopping)
        running.done.set()

    def note(self, allocation_id: str, text: str) -> None:
        """A line of the agent's own in the allocation's stream (what it did to the workload)."""
        self.emit(allocation_id, f"{MARKER} {text}")

    def running(self) -> list[str]:
        with self._lock:
            return sorted(a for a, r in self._running.items() if r.process.poll() is None)

    def stop(self, allocation_id: str) -> bool:
        """End the allocation's script (and everything it started); True when one was running."""
        with self._lock:
            running = self._running.pop(allocation_id, None)
        if running is None:
            return False
        alive = running.process.poll() is None
        if alive:
            running.stopping = True
            self._signal(running.process, signal.SIGTERM)
            try:
                running.process.wait(timeout=self.kill_grace_seconds)
            except subprocess.TimeoutExpired:
                self._signal(running.process, signal.SIGKILL)
                running.process.wait()
        # Its output (and the closing line) is in the stream before the release goes on.
        running.reader.join(timeout=self.kill_grace_seconds)
        return alive

    def stop_all(self) -> None:
        for allocation_id in list(self._running):
            self.stop(allocation_id)

    @staticmethod
    def _signal(process: subprocess.Popen[Any], sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)


def script_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """A small, predictable environment: nothing of the agent's own (no credentials), plus ``extra``."""
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TZ")}
    base.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    return {**base, **extra}
