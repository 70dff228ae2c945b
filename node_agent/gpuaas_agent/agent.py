"""The agent's main loop: register once, then poll the node's queue, execute, report; heartbeat alongside.

Stopping (SIGTERM/SIGINT set ``stop``): no new command is started, the command in hand is finished and
reported, a message received after the stop is handed back to the queue (visibility 0), and ``run`` returns.
"""

from __future__ import annotations

import contextlib
import logging
import random
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from gpuaas_agent import SUPPORTED_PROTOCOL_VERSIONS, __version__
from gpuaas_agent.commands import OPEN_TERMINAL, CommandProcessor
from gpuaas_agent.control_plane import ApiError, Backoff, ControlPlane, Unreachable
from gpuaas_agent.executors.base import Executor
from gpuaas_agent.logs import log
from gpuaas_agent.queue import CommandQueue, CredentialSource, Message
from gpuaas_agent.shipper import LogShipper
from gpuaas_agent.state import COMMAND_ID_RE, StateStore
from gpuaas_agent.telemetry import GpuSource
from gpuaas_agent.terminal import TerminalManager
from gpuaas_agent.timeutil import isoformat, utcnow
from gpuaas_agent.workloads import StartupScripts

logger = logging.getLogger(__name__)

HEARTBEAT_BOUNDS = (15.0, 30.0)
KEEP_FINISHED_SECONDS = 7 * 24 * 3600


class PollInterrupted(BaseException):
    """Raised by the stop signal's handler to end an idle long poll at once (an SQS long poll
    would otherwise hold a stopping agent for up to 20 s). A BaseException, so that botocore's
    ``except Exception`` does not turn it into a retried connection error."""


class RegistrationError(Exception):
    pass


def normalize_hostname(name: str) -> str:
    """The control plane takes lower-case DNS names."""
    return name.strip().rstrip(".").lower().replace("_", "-") or "localhost"


class Agent:
    def __init__(
        self,
        api: ControlPlane,
        state: StateStore,
        gpus: GpuSource,
        executor: Executor,
        *,
        hostname: str | None = None,
        bootstrap_token: str | None = None,
        stop: threading.Event | None = None,
        sqs_client_factory: Callable[..., Any] | None = None,
        heartbeats: bool = True,
        heartbeat_bounds: tuple[float, float] = HEARTBEAT_BOUNDS,
        visibility_extend_every: float = 60.0,
        rng: random.Random | None = None,
        shipper: LogShipper | None = None,
        terminals: TerminalManager | None = None,
    ) -> None:
        self.api = api
        self.state = state
        self.gpus = gpus
        self.executor = executor
        self.hostname = normalize_hostname(hostname or socket.gethostname())
        self.bootstrap_token = bootstrap_token
        self.stop = stop or threading.Event()
        self.sqs_client_factory = sqs_client_factory
        self.heartbeats = heartbeats
        self.heartbeat_bounds = heartbeat_bounds
        self.visibility_extend_every = visibility_extend_every
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self.backoff = Backoff(base=1.0, cap=30.0, rng=self.rng)
        self.credentials: dict[str, Any] = {}
        self.processor: CommandProcessor | None = None
        self.queue: CommandQueue | None = None
        # Workload output and the agent's own log go to the control plane through the shipper (when given).
        self.shipper = shipper
        self.scripts = StartupScripts(self._workload_output)
        self._heartbeat_interval = heartbeat_bounds[0]
        self._heartbeat_stop = threading.Event()
        self._poll_failures = 0
        # Terminal sessions (open_terminal): the executor's allocation directories, dialed with the node token.
        dirs = getattr(executor, "dirs", None)
        if terminals is None and dirs is not None:
            terminals = TerminalManager(dirs, lambda: str(self.api.node_token), shells=executor.name == "sandbox")
        self.terminals = terminals

    # Registration ---------------------------------------------------------------------------------------

    def registration_document(self) -> dict[str, Any]:
        return {
            "bootstrap_token": self.bootstrap_token,
            "hostname": self.hostname,
            "agent_version": __version__,
            "protocol_versions": list(SUPPORTED_PROTOCOL_VERSIONS),
            "executors": [self.executor.name],
            "gpus": self.gpus.inventory(),
        }

    def ensure_registered(self) -> dict[str, Any]:
        """The node's credentials: from the state dir, or by registering once with the bootstrap token."""
        stored = self.state.load_credentials()
        if stored is not None:
            if stored["api_url"].rstrip("/") != self.api.api_url:
                log(logger, "api_url_differs_from_registration", logging.WARNING, registered=stored["api_url"],
                    given=self.api.api_url)  # fmt: skip
                self.api.api_url = stored["api_url"].rstrip("/")
            log(logger, "registered_already", node_id=stored["node_id"])
        else:
            if not self.bootstrap_token:
                raise RegistrationError("not registered yet: pass --bootstrap-token (single use) the first time")
            response = self.api.register(self.registration_document())
            stored = {
                "node_id": response["node_id"],
                "node_token": response["node_token"],
                "queue_url": response["queue_url"],
                "region": response["region"],
                "api_url": self.api.api_url,
                "heartbeat_interval_seconds": response.get("heartbeat_interval_seconds", 20),
            }
            self.state.save_credentials(stored)
            log(logger, "registered", node_id=stored["node_id"], queue_url=stored["queue_url"])
        self.bootstrap_token = None  # single use: never kept, never sent again
        self.credentials = stored
        self.api.node_token = stored["node_token"]
        self._heartbeat_interval = float(stored.get("heartbeat_interval_seconds") or 20)
        return stored

    # Main loop ------------------------------------------------------------------------------------------

    def setup(self) -> None:
        creds = self.ensure_registered()
        if self.shipper is not None:
            # Its own session and no retries of its own: the shipper backs off and keeps buffering meanwhile.
            shipping = ControlPlane(self.api.api_url, max_attempts=1)
            shipping.node_token = self.api.node_token
            self.shipper.start(shipping.ship_logs)
        terminals = self.terminals
        self.processor = CommandProcessor(
            self.state,
            self.executor,
            creds["node_id"],
            scripts=self.scripts,
            before_release=terminals.close_allocation if terminals is not None else None,
        )
        source = CredentialSource(self.api.credentials)
        self.queue = CommandQueue(source, self.sqs_client_factory) if self.sqs_client_factory else CommandQueue(source)
        self.state.prune(KEEP_FINISHED_SECONDS)
        self.recover()

    def recover(self) -> None:
        """Resume commands interrupted by a crash and report results the control plane has not acknowledged."""
        assert self.processor is not None
        for command in self.processor.interrupted():
            result = self.processor.process(command)
            self.report(command["command_id"], result)
        for record in self.state.unreported():
            self.report(record["command"]["command_id"], record["result"])

    def run(self) -> int:
        self.setup()
        beat = None
        if self.heartbeats:
            beat = threading.Thread(target=self._heartbeat_loop, name="heartbeat", daemon=True)
            beat.start()
        log(logger, "agent_started", node_id=self.credentials["node_id"], executor=self.executor.name,
            version=__version__)  # fmt: skip
        try:
            while not self.stop.is_set():
                try:
                    self.poll_once()
                except PollInterrupted:
                    break
        finally:
            self._heartbeat_stop.set()
            if self.terminals is not None:
                self.terminals.stop()  # detach only: the sessions stay open and tmux keeps their shells
            if beat is not None:
                beat.join(timeout=5)
            self.scripts.stop_all()
            self.gpus.close()
            log(logger, "agent_stopped")
            if self.shipper is not None:
                self.shipper.stop(timeout=5)
        return 0

    def _workload_output(self, allocation_id: str, line: str) -> None:
        if self.shipper is not None:
            self.shipper.emit(allocation_id, line)
        else:  # not shipped: kept in the agent's own log on this host
            log(logger, "workload_output", allocation_id=allocation_id, line=line)

    def interrupt_if_idle(self) -> None:
        """Called from the stop signal's handler: abandon a long poll that is only waiting. A command
        being executed is never interrupted (it finishes, and its result is reported)."""
        if getattr(self, "_idle_poll", False):
            raise PollInterrupted()

    def poll_once(self, wait_seconds: int = 20) -> None:
        assert self.queue is not None
        try:
            self._idle_poll = True
            try:
                messages = self.queue.receive(wait_seconds)
            finally:
                self._idle_poll = False
        except (ClientError, BotoCoreError, Unreachable, ApiError) as exc:
            delay = self.backoff.delay(min(self._poll_failures, 10))
            self._poll_failures += 1
            log(logger, "queue_poll_failed", logging.WARNING, error=str(exc), retry_in_s=round(delay, 2))
            self.stop.wait(delay)
            return
        self._poll_failures = 0
        for message in messages:
            if self.stop.is_set():  # stopping: start nothing new, give the message straight back
                with contextlib.suppress(ClientError, BotoCoreError, Unreachable, ApiError):
                    self.queue.set_visibility(message, 0)
                continue
            self.handle(message)

    def handle(self, message: Message) -> None:
        assert self.queue is not None and self.processor is not None
        try:
            command = message.json()
            command_id = command["command_id"]
            if not isinstance(command_id, str) or not COMMAND_ID_RE.match(command_id):
                raise ValueError("malformed command_id")
        except (ValueError, TypeError, KeyError) as exc:
            # Nothing to report to (no usable command id): drop it so it cannot block the node's FIFO group.
            log(logger, "poison_message_dropped", logging.ERROR, message_id=message.message_id, error=str(exc))
            self.queue.delete(message)
            return
        if command.get("type") == OPEN_TERMINAL:
            self.open_terminal(command)
            self.queue.delete(message)
            return
        with self._keep_invisible(message):
            result = self.processor.process(command)
        if self.report(command_id, result):
            self.queue.delete(message)

    def open_terminal(self, command: dict[str, Any]) -> None:
        """Fire-and-forget: no result is stored or reported. A session already open is kept; one that cannot
        start here is told so over the relay (``close``); a refused command is only logged."""
        assert self.processor is not None
        rejected = self.processor.check(command)
        if rejected is not None:
            log(logger, "command_rejected", logging.WARNING, command_id=command.get("command_id"),
                reason=rejected.reason, detail=rejected.detail)  # fmt: skip
            return
        if self.terminals is None:
            log(logger, "terminal_unsupported", logging.WARNING, command_id=command.get("command_id"),
                executor=self.executor.name)  # fmt: skip
            return
        self.terminals.open(command["payload"])

    def report(self, command_id: str, result: dict[str, Any]) -> bool:
        """Send the result; True once the control plane has it (then the message may be deleted)."""
        try:
            self.api.report_result(command_id, result)
        except (Unreachable, ApiError) as exc:
            # Kept locally: the message comes back after its visibility timeout and the stored result is resent.
            log(logger, "result_not_accepted", logging.ERROR, command_id=command_id, error=str(exc))
            return False
        self.state.mark_reported(command_id)
        log(logger, "result_reported", command_id=command_id, status=result["status"])
        return True

    @contextlib.contextmanager
    def _keep_invisible(self, message: Message) -> Iterator[None]:
        """While a command runs, keep pushing its message's visibility out so no one else sees it again."""
        assert self.queue is not None
        queue = self.queue
        done = threading.Event()
        every = self.visibility_extend_every

        def extend() -> None:
            while not done.wait(every):
                try:
                    queue.set_visibility(message, int(every * 3))
                except (ClientError, BotoCoreError, Unreachable, ApiError) as exc:
                    log(logger, "visibility_extend_failed", logging.WARNING, error=str(exc))

        thread = threading.Thread(target=extend, name="visibility", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join(timeout=5)

    # Heartbeats -----------------------------------------------------------------------------------------

    def heartbeat_document(self) -> dict[str, Any]:
        nvml, gpus = self.gpus.sample()
        running = sorted(self.processor.running) if self.processor else []
        return {
            "node_id": self.credentials["node_id"],
            "sent_at": isoformat(utcnow()),
            "agent_version": __version__,
            "running_commands": running,
            "nvml": nvml,
            "gpus": gpus,
        }

    def next_heartbeat_delay(self) -> float:
        low, high = self.heartbeat_bounds
        base = min(high, max(low, self._heartbeat_interval))
        return min(high, max(low, base * self.rng.uniform(0.85, 1.15)))

    def send_heartbeat(self, api: ControlPlane | None = None) -> None:
        try:
            reply = (api or self.api).heartbeat(self.heartbeat_document())
        except (Unreachable, ApiError) as exc:
            log(logger, "heartbeat_failed", logging.WARNING, error=str(exc))
            return
        if isinstance(reply, dict) and isinstance(reply.get("next_heartbeat_seconds"), int | float):
            self._heartbeat_interval = float(reply["next_heartbeat_seconds"])

    def _heartbeat_loop(self) -> None:
        # Stop signals belong to the main thread: delivered here, they would not wake its long poll.
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
        # Its own session and a short retry budget: a slow heartbeat must not queue up behind the next one.
        api = ControlPlane(self.api.api_url, max_attempts=2, sleep=self._heartbeat_stop.wait)
        api.node_token = self.api.node_token
        self.send_heartbeat(api)
        while not self._heartbeat_stop.wait(self.next_heartbeat_delay()):
            self.send_heartbeat(api)
