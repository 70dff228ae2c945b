"""Command validation and idempotent execution by command id.

A command already finished is never run again: its stored result is re-reported. A command that was running
when the agent died is run again (executors converge: provisioning the same allocation twice is the same
allocation), then reported.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from gpuaas_agent import SUPPORTED_PROTOCOL_VERSIONS
from gpuaas_agent.executors.base import Executor, ExecutorError
from gpuaas_agent.logs import log
from gpuaas_agent.state import COMMAND_ID_RE, FINISHED, StateStore
from gpuaas_agent.timeutil import isoformat, parse, utcnow
from gpuaas_agent.workloads import StartupScripts

logger = logging.getLogger(__name__)

SUCCEEDED = "succeeded"
FAILED = "failed"
REJECTED = "rejected"

UNSUPPORTED_PROTOCOL_VERSION = "unsupported_protocol_version"
COMMAND_EXPIRED = "command_expired"
WRONG_NODE = "wrong_node"
INVALID_COMMAND = "invalid_command"
UNKNOWN_COMMAND_TYPE = "unknown_command_type"

ALLOCATION_ID_RE = re.compile(r"^alc_[0-9a-z]{26}$")
SSH_USER_RE = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
IMAGE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$")
SSH_KEY_RE = re.compile(
    r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|"
    r"sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/=]{16,16384}( [^\r\n\x00]{0,256})?$"
)
SESSION_ID_RE = re.compile(r"^trm_[0-9a-z]{26}$")
TERMINAL_KINDS = ("shell", "ssh")
MAX_TERMINAL_SIZE = 1000
# Commands with a result to report; open_terminal is fire-and-forget (the agent's loop handles it apart).
COMMAND_TYPES = ("provision", "release", "sync_keys", "open_terminal")
OPEN_TERMINAL = "open_terminal"
# The protocol's bound on a startup script (the control plane's own limit is smaller; see its settings).
STARTUP_SCRIPT_MAX_BYTES = 65536


class Rejected(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.detail = detail


def _require(condition: bool, detail: str) -> None:
    if not condition:
        raise Rejected(INVALID_COMMAND, detail)


def validate_payload(kind: str, payload: Any) -> None:
    _require(isinstance(payload, dict), "payload must be an object")
    _require(isinstance(payload.get("allocation_id"), str) and bool(ALLOCATION_ID_RE.match(payload["allocation_id"])),
             "payload.allocation_id is malformed")  # fmt: skip
    if kind == "release":
        return
    if kind == "sync_keys":
        _check_keys(payload.get("ssh_public_keys"))
        return
    if kind == OPEN_TERMINAL:
        validate_terminal_payload(payload)
        return
    slots = payload.get("slots")
    if not isinstance(slots, list) or not 1 <= len(slots) <= 64:
        raise Rejected(INVALID_COMMAND, "payload.slots must be a non-empty list")
    for slot in slots:
        indexes = slot.get("gpu_indexes") if isinstance(slot, dict) else None
        _require(isinstance(slot, dict) and isinstance(slot.get("index"), int), "each slot needs an index")
        if not isinstance(indexes, list) or not indexes:
            raise Rejected(INVALID_COMMAND, "each slot needs gpu_indexes")
        _require(all(type(i) is int and 0 <= i < 1024 for i in indexes), "gpu_indexes must be small integers")
    image = payload.get("container_image")
    _require(isinstance(image, str) and bool(IMAGE_RE.match(image)), "payload.container_image is malformed")
    user = payload.get("ssh_user")
    _require(isinstance(user, str) and bool(SSH_USER_RE.match(user)) and user != "root", "payload.ssh_user is bad")
    _check_keys(payload.get("ssh_public_keys"))
    for flag in ("ssh_tcp_forwarding", "ssh_agent_forwarding"):
        _require(isinstance(payload.get(flag, False), bool), f"payload.{flag} must be a boolean")
    if "startup_script" in payload:
        script = payload["startup_script"]
        _require(isinstance(script, str) and bool(script), "payload.startup_script must be a non-empty string")
        _require(len(script.encode("utf-8", "surrogatepass")) <= STARTUP_SCRIPT_MAX_BYTES,
                 f"payload.startup_script is larger than {STARTUP_SCRIPT_MAX_BYTES} bytes")  # fmt: skip
        _require("\x00" not in script, "payload.startup_script contains a NUL character")


def _check_keys(keys: Any) -> None:
    _require(isinstance(keys, list) and 1 <= len(keys) <= 32, "payload.ssh_public_keys must be a non-empty list")
    _require(all(isinstance(k, str) and SSH_KEY_RE.match(k) for k in keys), "an ssh public key is malformed")


def _relay_url(url: Any) -> bool:
    """``wss://`` anywhere; plain ``ws://`` only to this host (the local cloud), like the agent's HTTP rule."""
    if not isinstance(url, str) or len(url) > 2048 or any(c.isspace() for c in url):
        return False
    if url.startswith("wss://"):
        return True
    return url.startswith(("ws://127.0.0.1:", "ws://127.0.0.1/", "ws://localhost:", "ws://localhost/"))


def validate_terminal_payload(payload: dict[str, Any]) -> None:
    session_id = payload.get("session_id")
    _require(isinstance(session_id, str) and bool(SESSION_ID_RE.match(session_id)), "payload.session_id is malformed")
    _require(payload.get("kind") in TERMINAL_KINDS, "payload.kind must be shell or ssh")
    _require(_relay_url(payload.get("url")), "payload.url must be a wss:// URL")
    for field in ("cols", "rows"):
        value = payload.get(field)
        _require(type(value) is int and 1 <= value <= MAX_TERMINAL_SIZE, f"payload.{field} must be 1-1000")


def validate(command: dict[str, Any], node_id: str, now: datetime) -> None:
    """Raise ``Rejected`` with the protocol's reason when this agent must not run ``command``."""
    if command.get("protocol_version") not in SUPPORTED_PROTOCOL_VERSIONS:
        raise Rejected(UNSUPPORTED_PROTOCOL_VERSION, f"protocol_version {command.get('protocol_version')!r}")
    if command.get("node_id") != node_id:
        raise Rejected(WRONG_NODE, f"command is for {command.get('node_id')!r}")
    try:
        expires_at = parse(command["expires_at"])
    except (KeyError, TypeError, ValueError):
        raise Rejected(INVALID_COMMAND, "expires_at is missing or malformed") from None
    if expires_at <= now:
        raise Rejected(COMMAND_EXPIRED, f"expired at {command['expires_at']}")
    if command.get("type") not in COMMAND_TYPES:
        raise Rejected(UNKNOWN_COMMAND_TYPE, f"type {command.get('type')!r}")
    validate_payload(command["type"], command.get("payload"))


def result(status: str, reason: str | None = None, output: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"status": status, "reason": reason, "output": output or {}, "finished_at": isoformat(utcnow())}


class CommandProcessor:
    """Runs each command at most once to completion, keeping its result in the state store."""

    def __init__(
        self,
        state: StateStore,
        executor: Executor,
        node_id: str,
        clock: Callable[[], datetime] = utcnow,
        scripts: StartupScripts | None = None,
        before_release: Callable[[str], object] | None = None,
    ) -> None:
        self.state = state
        self.executor = executor
        self.node_id = node_id
        self.clock = clock
        # Startup scripts: started after a provision succeeds, stopped before the release runs.
        self.scripts = scripts
        # Called with the allocation id before its workload is removed (the agent ends its terminal sessions).
        self.before_release = before_release
        self.running: set[str] = set()

    def check(self, command: dict[str, Any]) -> Rejected | None:
        """Why this agent must not act on ``command`` (``None``: it may); for commands with no stored result."""
        try:
            validate(command, self.node_id, self.clock())
        except Rejected as rejected:
            return rejected
        return None

    def process(self, command: dict[str, Any]) -> dict[str, Any]:
        """The result for ``command``: stored if it finished before, else computed now (and stored)."""
        command_id = command["command_id"]
        if not COMMAND_ID_RE.match(command_id):
            raise ValueError(f"bad command id {command_id!r}")
        if command.get("type") == OPEN_TERMINAL:
            raise ValueError("open_terminal has no result: the agent's loop hands it to its terminal sessions")
        record = self.state.get(command_id)
        if record is not None and record.get("status") == FINISHED:
            finished: dict[str, Any] = record["result"]
            log(logger, "command_already_finished", command_id=command_id, status=finished["status"])
            return finished
        if record is None:
            try:
                validate(command, self.node_id, self.clock())
            except Rejected as rejected:
                log(logger, "command_rejected", logging.WARNING, command_id=command_id, reason=rejected.reason,
                    detail=rejected.detail)  # fmt: skip
                return self._finish(command, result(REJECTED, rejected.reason))
            return self._execute(command, resuming=False)
        # It passed validation when it started; its expiry must not strand a half-built workload.
        return self._execute(record["command"], resuming=True)

    def _finish(self, command: dict[str, Any], outcome: dict[str, Any]) -> dict[str, Any]:
        stored: dict[str, Any] = self.state.finish(command, outcome)["result"]
        return stored

    def _execute(self, command: dict[str, Any], resuming: bool) -> dict[str, Any]:
        command_id = command["command_id"]
        self.state.start(command)
        self.running.add(command_id)
        log(logger, "command_resumed" if resuming else "command_started", command_id=command_id,
            type=command["type"], allocation_id=command["payload"]["allocation_id"])  # fmt: skip
        payload = command["payload"]
        try:
            if command["type"] == "release":
                if self.scripts is not None:
                    self.scripts.stop(payload["allocation_id"])
                if self.before_release is not None:
                    self.before_release(payload["allocation_id"])
            run = getattr(self.executor, command["type"])  # one of COMMAND_TYPES: validated before it started
            outcome = result(SUCCEEDED, None, run(payload))
        except ExecutorError as exc:
            outcome = result(FAILED, f"executor_error: {exc}"[:500])
        except Exception as exc:
            logger.exception("command_crashed", extra={"fields": {"command_id": command_id}})
            outcome = result(FAILED, f"agent_error: {type(exc).__name__}: {exc}"[:500])
        finally:
            self.running.discard(command_id)
        log(logger, "command_finished", command_id=command_id, status=outcome["status"], reason=outcome["reason"])
        finished = self._finish(command, outcome)
        if command["type"] == "provision" and outcome["status"] == SUCCEEDED:
            self._start_script(payload)
        elif self.scripts is not None and command["type"] in ("provision", "release"):
            # The allocation's own log says what became of its workload (after any script output).
            allocation_id = payload["allocation_id"]
            if command["type"] == "provision":
                self.scripts.note(allocation_id, f"provisioning failed: {outcome['reason']}")
            elif outcome["status"] == SUCCEEDED:
                self.scripts.note(allocation_id, "released: the workload is removed and its data wiped")
            else:
                self.scripts.note(allocation_id, f"release failed: {outcome['reason']}")
        return finished

    def _start_script(self, payload: dict[str, Any]) -> None:
        """In the background: the result is reported at once, whatever the script does."""
        make = getattr(self.executor, "startup_command", None)
        if self.scripts is None or not payload.get("startup_script") or make is None:
            return
        try:
            self.scripts.start(payload["allocation_id"], make(payload))
        except Exception:  # the workload exists and is reported either way
            logger.exception("startup_script_crashed", extra={"fields": {"allocation_id": payload["allocation_id"]}})

    def interrupted(self) -> list[dict[str, Any]]:
        """Commands that were running when the agent last died, to resume at start-up."""
        return [record["command"] for record in self.state.running()]
