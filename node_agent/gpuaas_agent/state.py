"""The agent's local state: its node credentials and one JSON record per command, all written atomically.

Layout under the state dir (0700):
- ``credentials.json`` (0600 from creation): node_id, node_token, queue_url, region, api_url,
  heartbeat_interval_seconds.
- ``commands/<command_id>.json`` (0600): the command, its status (``running`` or ``finished``), its result
  and whether the control plane has accepted that result.

A record is written ``running`` before an executor starts and ``finished`` with the result before the result
is reported, so a crash at any point leaves either a command to resume or a result to re-report.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

from gpuaas_agent.timeutil import isoformat, parse, utcnow

COMMAND_ID_RE = re.compile(r"^cmd_[0-9a-z]{26}$")
CREDENTIAL_FIELDS = ("node_id", "node_token", "queue_url", "region", "api_url")
RUNNING = "running"
FINISHED = "finished"


def atomic_write_json(path: Path, document: Any, mode: int = 0o600) -> None:
    """Write ``document`` to ``path`` so that readers see the old file or the new one, never a torn one.

    The temporary file is created with ``mode`` from the start (no window where it is world-readable),
    flushed and fsynced, then renamed over ``path``; the directory is fsynced so the rename survives a crash.
    """
    data = json.dumps(document, indent=2, sort_keys=True).encode()
    tmp = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
    try:
        os.fchmod(fd, mode)  # the umask may have narrowed it; never widened
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


class StateStore:
    def __init__(self, state_dir: str | os.PathLike[str]) -> None:
        self.root = _private_dir(Path(state_dir))
        self.commands_dir = _private_dir(self.root / "commands")

    # Credentials ---------------------------------------------------------------------------------------

    @property
    def credentials_path(self) -> Path:
        return self.root / "credentials.json"

    def load_credentials(self) -> dict[str, Any] | None:
        try:
            document: dict[str, Any] = json.loads(self.credentials_path.read_text())
        except FileNotFoundError:
            return None
        missing = [f for f in CREDENTIAL_FIELDS if not document.get(f)]
        if missing:
            raise ValueError(f"{self.credentials_path} is missing {missing}")
        return document

    def save_credentials(self, credentials: dict[str, Any]) -> None:
        atomic_write_json(self.credentials_path, credentials, mode=0o600)

    # Commands ------------------------------------------------------------------------------------------

    def _command_path(self, command_id: str) -> Path:
        if not COMMAND_ID_RE.match(command_id):  # the id becomes a file name: never let it be a path
            raise ValueError(f"bad command id {command_id!r}")
        return self.commands_dir / f"{command_id}.json"

    def get(self, command_id: str) -> dict[str, Any] | None:
        try:
            record: dict[str, Any] = json.loads(self._command_path(command_id).read_text())
        except FileNotFoundError:
            return None
        return record

    def start(self, command: dict[str, Any]) -> dict[str, Any]:
        """Record that ``command`` is about to run (kept as is when it was already running: a resume)."""
        existing = self.get(command["command_id"])
        if existing is not None:
            existing["attempts"] = existing.get("attempts", 1) + 1
            record = existing
        else:
            record = {
                "command": command,
                "status": RUNNING,
                "started_at": isoformat(utcnow()),
                "attempts": 1,
                "result": None,
                "reported": False,
            }
        atomic_write_json(self._command_path(command["command_id"]), record)
        return record

    def finish(self, command: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
        record = self.get(command["command_id"]) or {"command": command, "started_at": isoformat(utcnow())}
        record.update(status=FINISHED, result=result, reported=False)
        atomic_write_json(self._command_path(command["command_id"]), record)
        return record

    def mark_reported(self, command_id: str) -> None:
        record = self.get(command_id)
        if record is not None and not record.get("reported"):
            record["reported"] = True
            record["reported_at"] = isoformat(utcnow())
            atomic_write_json(self._command_path(command_id), record)

    def running(self) -> list[dict[str, Any]]:
        """Records of commands that were running when the agent last stopped (to resume)."""
        return [r for r in self._records() if r.get("status") == RUNNING]

    def unreported(self) -> list[dict[str, Any]]:
        return [r for r in self._records() if r.get("status") == FINISHED and not r.get("reported")]

    def prune(self, older_than_seconds: float) -> int:
        """Forget reported commands finished long ago; the queue cannot redeliver them by then."""
        removed = 0
        now = utcnow()
        for path in self.commands_dir.glob("cmd_*.json"):
            record = json.loads(path.read_text())
            finished = (record.get("result") or {}).get("finished_at")
            if record.get("reported") and finished and (now - parse(finished)).total_seconds() > older_than_seconds:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def _records(self) -> list[dict[str, Any]]:
        records = []
        for path in sorted(self.commands_dir.glob("cmd_*.json")):
            with contextlib.suppress(json.JSONDecodeError):
                records.append(json.loads(path.read_text()))
        return records
