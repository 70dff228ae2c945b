"""Provisioning use cases: customers create, read and release allocations; the provisioning and
release workflows (Step Functions) call the step methods; agents report command results.

Every state change is a conditional write of the allocation (by version) in one transaction with
its slots, the SKU's free count and its events. A step that finds its work already done returns
the same answer, because Step Functions and Lambda both retry.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import random
import re
import time
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.audit.models import Actor, record
from chalicelib.core import errors, observability
from chalicelib.core.agent_commands import command_document
from chalicelib.core.clock import Clock, isoformat
from chalicelib.core.events import DomainEvent
from chalicelib.core.ids import new_id
from chalicelib.core.page import Page
from chalicelib.core.retry import retry_on_conflict
from chalicelib.inventory.models import OS_IMAGE_AVAILABLE, SKU_ACTIVE
from chalicelib.provisioning import payloads
from chalicelib.provisioning.models import (
    ACTIVE,
    FAILED,
    PENDING,
    PROVISION,
    PROVISIONING,
    RELEASE,
    RELEASED,
    RELEASING,
    STATES,
    SYNC_KEYS,
    Allocation,
    AllocationRequest,
    ClaimedSlot,
    Command,
    CommandRef,
    Connection,
    ResultReceipt,
    StepOutcome,
    WorkflowInput,
    place,
)
from chalicelib.provisioning.ports import (
    AllocationReader,
    AllocationUnitOfWorkFactory,
    BillingAdmission,
    CommandQueue,
    CommandStore,
    UsageSettlement,
    Workflows,
)
from chalicelib.sshkeys.models import SshKey

CONTEXT = "provisioning"
# Placement re-reads the free slots after a lost race; past this many rounds the caller retries.
_CLAIM_ROUNDS = 12
_STEP_ROUNDS = 5
# A release workflow that has not taken its first step after this long is not coming.
_RELEASE_RESTART_AFTER = timedelta(seconds=60)
# Errors the workflows raise into Step Functions (ErrorEquals in statemachines/*.asl.json).
COMMAND_FAILED = "CommandFailed"
COMMAND_REJECTED = "CommandRejected"
MAX_SSH_KEYS = 32
# The release_reason of a customer's own release; any other (billing's, an operator's) is a force-release.
CUSTOMER_RELEASE = "customer"
# The host key an agent reports for an allocation's sshd (events/agent/result.v1.json): ed25519, no comment.
_HOST_KEY_RE = re.compile(r"^ssh-ed25519 [A-Za-z0-9+/]{68}$")

logger = logging.getLogger(__name__)


def _event(event_type: str, allocation: Allocation, **extra: Any) -> DomainEvent:
    return DomainEvent(
        type=event_type,
        subject=allocation.id,
        data={**payloads.allocation_event_data(allocation), **extra},
        context=CONTEXT,
    )


class ProvisioningService:
    def __init__(
        self,
        reader: AllocationReader,
        unit_of_work: AllocationUnitOfWorkFactory,
        commands: CommandStore,
        queue: CommandQueue,
        workflows: Workflows,
        clock: Clock,
        *,
        max_slots: int,
        ssh_user: str,
        heartbeat_seconds: int,
        provision_timeout_seconds: int,
        release_timeout_seconds: int,
        attempts: int,
        startup_script_max_bytes: int,
        admission: BillingAdmission,
        settlement: UsageSettlement,
        rng: random.Random | None = None,
    ) -> None:
        self._reader = reader
        self._uow = unit_of_work
        self._commands = commands
        self._queue = queue
        self._workflows = workflows
        self._clock = clock
        self._max_slots = max_slots
        self._ssh_user = ssh_user
        self._heartbeat_seconds = heartbeat_seconds
        # A key change expires like a release: both are quick on the host.
        self._timeouts = {
            PROVISION: provision_timeout_seconds,
            RELEASE: release_timeout_seconds,
            SYNC_KEYS: release_timeout_seconds,
        }
        self._attempts = attempts
        self._startup_script_max_bytes = startup_script_max_bytes
        self._admission = admission
        self._settlement = settlement
        self._rng = rng or random.SystemRandom()

    def _now(self) -> str:
        return isoformat(self._clock.now())

    # Customers ----------------------------------------------------------------------------

    def create(self, request: AllocationRequest) -> Allocation:
        if not 1 <= request.count <= self._max_slots:
            raise errors.ValidationFailedError(f"count must be between 1 and {self._max_slots}")
        self._check_startup_script(request.startup_script)
        sku = self._reader.get_sku(request.sku_id)
        if sku is None:
            raise errors.SkuNotFoundError()
        if sku.status != SKU_ACTIVE:
            raise errors.SkuRetiredError()
        image = self._reader.get_os_image(request.os_image_id)
        if image is None or image.status != OS_IMAGE_AVAILABLE:
            raise errors.OsImageNotFoundError()
        keys = self._ssh_keys(request)
        self._admission.check_can_start(request.org_id, sku.price_per_hour_micros * request.count)
        if sku.free_slots < request.count:
            raise errors.InsufficientCapacityError(f"{sku.free_slots} free slot(s) of this SKU; {request.count} asked")
        allocation_id = new_id("alc")
        now = self._now()
        excluded: set[tuple[str, int]] = set()

        def claim() -> Allocation:
            free = self._reader.free_slots(sku.id)
            placement = place(free, request.count, exclude=frozenset(excluded), rng=self._rng)
            if placement is None:
                detail = "no free slot" if not free else f"no single node has {request.count} free slot(s)"
                raise errors.InsufficientCapacityError(f"Not enough capacity for this SKU: {detail}")
            allocation = Allocation(
                id=allocation_id,
                org_id=request.org_id,
                user_id=request.user_id,
                name=request.name or allocation_id,
                sku_id=sku.id,
                region=sku.region,
                gpu_model=sku.gpu_model,
                count=request.count,
                gpus=sku.gpus * request.count,
                os_image_id=image.id,
                container_image=image.container_image,
                ssh_user=self._ssh_user,
                ssh_key_ids=tuple(k.id for k in keys),
                ssh_public_keys=tuple(k.public_key for k in keys),
                node_id=placement.node_id,
                slots=tuple(ClaimedSlot(s.index, s.gpu_indexes) for s in placement.slots),
                price_per_hour_micros=sku.price_per_hour_micros * request.count,
                currency=sku.currency,
                state=PENDING,
                created_at=now,
                updated_at=now,
                startup_script=request.startup_script,
            )
            uow = self._uow()
            uow.claim(allocation, placement.slots)
            uow.emit(_event("allocation.requested", allocation, os_image_id=image.id))
            try:
                uow.commit()
            except errors.SlotUnavailableError as exc:
                # Another request took one of these slots first: choose again without them.
                excluded.update((s.node_id, s.index) for s in placement.slots)
                time.sleep(self._rng.uniform(0.001, 0.01))
                raise errors.ConcurrentUpdateError("Too many concurrent requests for this SKU; try again") from exc
            return allocation

        allocation = retry_on_conflict(claim, rounds=_CLAIM_ROUNDS)
        try:
            self._workflows.start(
                PROVISION, allocation.id, payloads.workflow_input(self._workflow_input(allocation.id, PROVISION))
            )
        except Exception as exc:
            logger.exception("provision workflow did not start", extra={"allocation_id": allocation.id})
            self.compensate(allocation.id, {"Error": "WorkflowUnavailable", "Cause": str(exc)[:200]})
            raise errors.ServiceUnavailableError("Provisioning is unavailable; nothing was reserved") from exc
        return allocation

    def _check_startup_script(self, script: str | None) -> None:
        if script is None:
            return
        size = len(script.encode())
        if size > self._startup_script_max_bytes:
            raise errors.StartupScriptTooLargeError(
                f"The startup script is {size} bytes; at most {self._startup_script_max_bytes}"
            )
        if "\x00" in script:
            raise errors.ValidationFailedError("The startup script must not contain NUL characters")

    def _ssh_keys(self, request: AllocationRequest) -> list[SshKey]:
        return self._owned_keys(request.user_id, request.ssh_key_ids)

    def _owned_keys(self, user_id: str, key_ids: tuple[str, ...] | None) -> list[SshKey]:
        owned = {k.id: k for k in self._reader.ssh_keys(user_id)}
        if key_ids is None:
            keys = sorted(owned.values(), key=lambda k: k.created_at)
        else:
            missing = [k for k in key_ids if k not in owned]
            if missing:
                raise errors.SshKeyNotFoundError(f"No such SSH key: {missing[0]}")
            keys = [owned[k] for k in dict.fromkeys(key_ids)]
        if not keys:
            raise errors.NoSshKeysError("Add an SSH key (POST /v1/ssh-keys) before renting a GPU")
        if len(keys) > MAX_SSH_KEYS:
            raise errors.ValidationFailedError(f"At most {MAX_SSH_KEYS} SSH keys per allocation")
        return keys

    def get(self, org_id: str, allocation_id: str) -> Allocation:
        allocation = self._reader.get_allocation(allocation_id)
        if allocation is None or allocation.org_id != org_id:
            raise errors.AllocationNotFoundError()
        return allocation

    def find(self, allocation_id: str) -> Allocation | None:
        """Any org's allocation, in any state (for the contexts that check who owns it)."""
        return self._reader.get_allocation(allocation_id)

    def ssh_connection(self, org_id: str, allocation_id: str) -> Connection:
        """How to ssh into an active allocation, with its host key (409 in any other state)."""
        allocation = self.get(org_id, allocation_id)
        if allocation.state != ACTIVE or allocation.connection is None:
            raise errors.InvalidAllocationStateError(f"A {allocation.state} allocation takes no ssh connection")
        return allocation.connection

    def set_ssh_keys(self, actor: Actor, org_id: str, allocation_id: str, key_ids: tuple[str, ...]) -> Allocation:
        """Replace an active allocation's keys with ``key_ids`` (the caller's own keys). The change, its event,
        its audit record and a ``sync_keys`` command are one transaction; the command then goes to the node's
        queue, no workflow waiting for it: the agent rewrites authorized_keys, new connections use them."""
        keys = self._owned_keys(actor.user_id, key_ids)
        if not keys:
            raise errors.NoSshKeysError("An allocation needs at least one of your SSH keys")
        if len(keys) > MAX_SSH_KEYS:
            raise errors.ValidationFailedError(f"At most {MAX_SSH_KEYS} SSH keys per allocation")

        def attempt() -> tuple[Allocation, Command]:
            allocation = self.get(org_id, allocation_id)
            if allocation.state != ACTIVE:
                raise errors.InvalidAllocationStateError(f"The keys of a {allocation.state} allocation cannot change")
            now = self._now()
            after = replace(
                allocation,
                ssh_key_ids=tuple(k.id for k in keys),
                ssh_public_keys=tuple(k.public_key for k in keys),
                updated_at=now,
                version=allocation.version + 1,
            )
            command = self._new_command(after, SYNC_KEYS)
            uow = self._uow()
            uow.save(allocation, after)
            uow.add_command(command)
            uow.emit(_event("allocation.ssh_keys_changed", after, ssh_key_ids=list(after.ssh_key_ids)))
            before, changed = payloads.allocation_audit(allocation), payloads.allocation_audit(after)
            uow.audit(record("allocations:ssh_keys", allocation.id, actor, now, before=before, after=changed,
                             org_id=after.org_id))  # fmt: skip
            uow.commit()
            return after, command

        after, command = retry_on_conflict(attempt, rounds=_STEP_ROUNDS)
        try:
            self._queue.send(after.node_id, command.document, f"{command.id}-0")
        except Exception as exc:
            logger.exception("sync_keys not sent", extra={"allocation_id": after.id})
            raise errors.ServiceUnavailableError("The keys are saved but did not reach the host; retry") from exc
        return after

    def list(self, org_id: str, state: str | None, limit: int, cursor: str | None) -> Page:
        if state is not None and state not in STATES:
            raise errors.ValidationFailedError(f"state must be one of {', '.join(STATES)}")
        return self._reader.list_allocations(org_id, state, limit, cursor)

    def events(self, org_id: str, allocation_id: str, limit: int, cursor: str | None) -> Page:
        self.get(org_id, allocation_id)
        return self._reader.allocation_events(allocation_id, limit, cursor)

    def force_release(self, actor: Actor, allocation_id: str, reason: str) -> Allocation:
        """An operator releases any org's allocation; audited in the release's own transaction."""
        allocation = self._must_get(allocation_id)
        return self.release(allocation.org_id, allocation_id, f"operator: {reason}", actor=actor)

    def release(
        self, org_id: str, allocation_id: str, reason: str = CUSTOMER_RELEASE, actor: Actor | None = None
    ) -> Allocation:
        """Release at the customer's request (or billing's or an operator's: ``reason`` says whose)."""

        def attempt() -> Allocation:
            allocation = self.get(org_id, allocation_id)
            if allocation.state == RELEASING and not allocation.release_command_id:
                # Asked for before, but its workflow never began: its start failed, or it failed before
                # its first step. Start it now; under a new execution name once the first one has had
                # ample time to begin (a name is used once, and a live first run must not get a twin).
                since = self._clock.now() - datetime.fromisoformat(allocation.updated_at.replace("Z", "+00:00"))
                retry = f"r{int(self._clock.now().timestamp())}" if since > _RELEASE_RESTART_AFTER else None
                self._start_release(allocation.id, retry)
                return allocation
            if RELEASE not in allocation.allowed_actions:
                raise errors.InvalidAllocationStateError(f"A {allocation.state} allocation cannot be released")
            now = self._now()
            uow = self._uow()
            if allocation.state == ACTIVE:
                after = allocation.transition(RELEASING, now=now, release_requested_at=now)
                uow.save(allocation, after)
                uow.meters.end_meter(allocation.id, now)  # billing stops when the release is asked for
                uow.emit(_event("allocation.releasing", after, release_reason=reason))
                if reason != CUSTOMER_RELEASE:
                    uow.emit(_event("allocation.force_released", after, release_reason=reason))
            else:
                # Not built yet: the provisioning workflow hands over to release when it is.
                after = replace(allocation, release_requested_at=now, updated_at=now, version=allocation.version + 1)
                uow.save(allocation, after)
                uow.emit(_event("allocation.release_requested", after, release_reason=reason))
                if reason != CUSTOMER_RELEASE:
                    # Announced when it is asked for, not when the workflow gets to it: that is
                    # when the customer lost the allocation.
                    uow.emit(_event("allocation.force_released", after, release_reason=reason))
            if actor is not None:
                before, changed = payloads.allocation_audit(allocation), payloads.allocation_audit(after)
                action = "admin:allocations:force_release"
                uow.audit(record(action, allocation.id, actor, now, before=before, after=changed, org_id=after.org_id))
            uow.commit()
            if after.state == RELEASING:
                try:
                    self._settlement.settle(after.id, self._clock.now())
                except Exception:
                    # The minute sweep settles it to its end anyway.
                    logger.exception("final settlement deferred", extra={"allocation_id": after.id})
                try:
                    self._start_release(after.id)
                except Exception as exc:
                    # Recorded as releasing (billing stopped); the same request again starts it.
                    logger.exception("release workflow did not start", extra={"allocation_id": after.id})
                    raise errors.ServiceUnavailableError("The release is recorded; retry to start it") from exc
            return after

        return retry_on_conflict(attempt, rounds=_STEP_ROUNDS)

    def _start_release(self, allocation_id: str, retry: str | None = None) -> None:
        name = f"{allocation_id}-release" + (f"-{retry}" if retry else "")
        self._workflows.start(RELEASE, name, payloads.workflow_input(self._workflow_input(allocation_id, RELEASE)))

    def _workflow_input(self, allocation_id: str, kind: str) -> WorkflowInput:
        return WorkflowInput(
            allocation_id=allocation_id,
            heartbeat_seconds=self._heartbeat_seconds,
            command_seconds=self._timeouts[kind],
            max_attempts=self._attempts,
        )

    # Workflow steps -----------------------------------------------------------------------

    def begin_provision(self, allocation_id: str) -> CommandRef:
        """pending -> provisioning, with the provision command for the node (once)."""

        def attempt() -> CommandRef:
            allocation = self._must_get(allocation_id)
            if allocation.state == PROVISIONING and allocation.provision_command_id:
                return CommandRef(allocation.provision_command_id)
            if allocation.state != PENDING:
                raise errors.InvalidAllocationStateError(f"Cannot provision a {allocation.state} allocation")
            command = self._new_command(allocation, PROVISION)
            after = allocation.transition(PROVISIONING, now=self._now(), provision_command_id=command.id)
            uow = self._uow()
            uow.save(allocation, after)
            uow.add_command(command)
            uow.emit(_event("allocation.provisioning", after))
            uow.commit()
            return CommandRef(command.id)

        return retry_on_conflict(attempt, rounds=_STEP_ROUNDS)

    def begin_release(self, allocation_id: str) -> CommandRef:
        """The release command for a releasing allocation (once)."""

        def attempt() -> CommandRef:
            allocation = self._must_get(allocation_id)
            if allocation.release_command_id:
                return CommandRef(allocation.release_command_id)
            if allocation.state != RELEASING:
                raise errors.InvalidAllocationStateError(f"Cannot release a {allocation.state} allocation")
            command = self._new_command(allocation, RELEASE)
            after = replace(allocation, release_command_id=command.id, version=allocation.version + 1)
            uow = self._uow()
            uow.save(allocation, after)
            uow.add_command(command)
            uow.commit()
            return CommandRef(command.id)

        return retry_on_conflict(attempt, rounds=_STEP_ROUNDS)

    def send_command(self, command_id: str, task_token: str) -> None:
        """Hand the command to the node's queue; ``task_token`` waits for the agent's result.

        Each attempt re-sends the same command id (the agent runs a command id once and re-reports
        its result), with a fresh expiry.
        """
        command = self._reader.get_command(command_id)
        if command is None:
            raise errors.CommandNotFoundError()
        now = self._clock.now()
        document = {
            **command.document,
            "issued_at": isoformat(now),
            "expires_at": isoformat(now + timedelta(seconds=self._timeouts[command.kind])),
        }
        try:
            command = self._commands.attach_token(command_id, task_token, document)
        except errors.CommandAlreadyReportedError:
            # The result arrived while no task was waiting (between a timeout and this retry).
            stored = self._reader.get_command(command_id)
            assert stored is not None and stored.result is not None
            self._resume(task_token, stored.result)
            return
        self._queue.send(command.node_id, document, f"{command.id}-{command.attempts}")

    def complete_provision(self, allocation_id: str, command_id: str) -> StepOutcome:
        """provisioning -> active with how to connect; or straight to releasing when the customer
        released it meanwhile (the release workflow then starts)."""
        command = self._reader.get_command(command_id)
        if command is None or command.result is None:
            raise errors.CommandNotFoundError()
        output = command.result.get("output") or {}
        host_key = output.get("ssh_host_key")
        connection = Connection(
            str(output["ssh_host"]),
            int(output["ssh_port"]),
            str(output["ssh_user"]),
            str(host_key) if host_key else None,
            host_key_fingerprint(str(host_key)) if host_key else None,
        )

        def attempt() -> StepOutcome:
            allocation = self._must_get(allocation_id)
            if allocation.state == RELEASING and not allocation.release_command_id:
                self._start_release(allocation.id)  # a retry after the handover's start failed
            if allocation.state in (ACTIVE, RELEASING, RELEASED):
                return StepOutcome(allocation.state)
            now = self._now()
            uow = self._uow()
            if allocation.release_requested_at:
                after = allocation.transition(RELEASING, now=now, connection=connection)
                uow.emit(_event("allocation.releasing", after))
            else:
                after = allocation.transition(ACTIVE, now=now, connection=connection, activated_at=now)
                uow.meters.open_meter(after)  # billed per second from now
                uow.emit(_event("allocation.active", after, activated_at=now))
            uow.save(allocation, after)
            uow.commit()
            if after.state == RELEASING:
                self._start_release(after.id)
            return StepOutcome(after.state)

        return retry_on_conflict(attempt, rounds=_STEP_ROUNDS)

    def compensate(self, allocation_id: str, error: dict[str, Any]) -> StepOutcome:
        """Undo a provisioning that did not finish: slots back, allocation failed with a reason.

        ``error`` is Step Functions' error object (``Error``, ``Cause``). A wipe command follows on
        the node's queue (after the provision command, FIFO), so that an agent that comes back and
        builds the workload late removes it again.
        """

        def attempt() -> StepOutcome:
            allocation = self._must_get(allocation_id)
            if allocation.state not in (PENDING, PROVISIONING):
                return StepOutcome(allocation.state)
            reason = _failure_reason(error, self._agent_reason(allocation))
            node = self._reader.get_node(allocation.node_id)
            now = self._now()
            after = allocation.transition(FAILED, now=now, reason=reason, failed_at=now)
            uow = self._uow()
            uow.save(allocation, after)
            if node is not None:
                uow.free_slots(allocation, node)
            uow.emit(_event("allocation.failed", after))
            uow.commit()
            if allocation.provision_command_id:
                self._send_wipe(after)
            return StepOutcome(FAILED, reason=reason)

        return retry_on_conflict(attempt, rounds=_STEP_ROUNDS)

    def _agent_reason(self, allocation: Allocation) -> str | None:
        """What the agent said about a failed provision command, read from the command itself (the
        failure's Cause in Step Functions is a copy, and not every executor keeps it)."""
        if not allocation.provision_command_id:
            return None
        command = self._reader.get_command(allocation.provision_command_id)
        if command is None or command.result is None:
            return None
        return command.result.get("reason")

    def finish_release(self, allocation_id: str, wiped: bool) -> StepOutcome:
        """releasing -> released. Slots the agent wiped go back to the pool; if it never confirmed
        the wipe, they stay out of it until it does (a late result frees them)."""

        def attempt() -> StepOutcome:
            allocation = self._must_get(allocation_id)
            if allocation.state == RELEASED:
                return StepOutcome(RELEASED)
            node = self._reader.get_node(allocation.node_id)
            now = self._now()
            after = allocation.transition(RELEASED, now=now, released_at=now, wiped=wiped)
            uow = self._uow()
            uow.save(allocation, after)
            if wiped and node is not None:
                uow.free_slots(allocation, node)
            else:
                uow.hold_slots_for_wipe(allocation)
            uow.emit(_event("allocation.released", after, wiped=wiped, released_at=now))
            uow.commit()
            return StepOutcome(RELEASED, wiped=wiped)

        return retry_on_conflict(attempt, rounds=_STEP_ROUNDS)

    # Agents -------------------------------------------------------------------------------

    def report_result(self, node_id: str, command_id: str, result: dict[str, Any]) -> ResultReceipt:
        """``result`` is the agent's result document (events/agent/result.v1.json), kept as sent."""
        command = self._reader.get_command(command_id)
        if command is None or command.node_id != node_id:
            # Another node's command is "not found" for this node: it learns nothing about it.
            raise errors.CommandNotFoundError()
        observability.append_log_keys(allocation_id=command.allocation_id)  # a result names only its command
        _check_output(command.kind, result)
        command = self._commands.record_result(command_id, result, self._now())
        resumed = self._resume(command.task_token, result) if command.task_token else False
        if not resumed:
            self._late_result(command, result)
        return ResultReceipt(command_id=command_id, accepted=True, late=not resumed)

    def _resume(self, task_token: str, result: dict[str, Any]) -> bool:
        if result["status"] == "succeeded":
            return self._workflows.succeed(task_token, {"status": "succeeded", "output": result.get("output") or {}})
        error = COMMAND_REJECTED if result["status"] == "rejected" else COMMAND_FAILED
        return self._workflows.fail(task_token, error, str(result.get("reason") or result["status"]))

    def _late_result(self, command: Command, result: dict[str, Any]) -> None:
        """A result no workflow waits for any more (it timed out and compensated, or the command was
        a wipe sent by a compensation)."""
        allocation = self._reader.get_allocation(command.allocation_id)
        if allocation is None or result["status"] != "succeeded":
            return
        if command.kind == PROVISION and allocation.state in (FAILED, RELEASED):
            self._send_wipe(allocation)  # built after we gave up on it: remove it again
        elif command.kind == RELEASE and allocation.state == RELEASED and allocation.wiped is False:
            self._free_after_late_wipe(allocation.id)

    def _free_after_late_wipe(self, allocation_id: str) -> None:
        def attempt() -> None:
            allocation = self._reader.get_allocation(allocation_id)
            if allocation is None or allocation.wiped is not False:
                return
            node = self._reader.get_node(allocation.node_id)
            if node is None:
                return
            after = replace(allocation, wiped=True, updated_at=self._now(), version=allocation.version + 1)
            uow = self._uow()
            uow.save(allocation, after)
            uow.free_slots(allocation, node)
            uow.emit(_event("allocation.wiped", after))
            uow.commit()

        # Under that much contention the slots stay held; the next confirmed wipe frees them.
        with contextlib.suppress(errors.ConcurrentUpdateError):
            retry_on_conflict(attempt, rounds=_STEP_ROUNDS)

    def _send_wipe(self, allocation: Allocation) -> None:
        """A release command no workflow waits for (its result is handled as a late result)."""
        command = self._new_command(allocation, RELEASE)
        uow = self._uow()
        uow.add_command(command)
        uow.commit()
        self._queue.send(allocation.node_id, command.document, f"{command.id}-0")

    def keep_alive(self, node_id: str) -> int:
        """The node is alive: heartbeat the tasks waiting for its commands. Returns how many."""
        alive = 0
        for command in self._reader.commands_in_flight(node_id):
            if command.task_token and self._workflows.heartbeat(command.task_token):
                alive += 1
            else:
                self._commands.drop_in_flight(command.id)
        return alive

    # Fleet --------------------------------------------------------------------------------

    def node_down(self, node_id: str, at: str) -> int:
        """Active allocations on a node that went down stop being billed at ``at`` (once)."""
        marked = 0
        for allocation in self._reader.allocations_on_node(node_id):
            if allocation.state != ACTIVE or allocation.node_down_at:
                continue
            after = replace(allocation, node_down_at=at, updated_at=self._now(), version=allocation.version + 1)
            uow = self._uow()
            uow.save(allocation, after)
            uow.meters.end_meter(allocation.id, at)  # not billed from the node's last sign of life
            uow.emit(_event("allocation.node_down", after, node_down_at=at))
            try:
                uow.commit()
            except errors.ConcurrentUpdateError:
                continue  # changed meanwhile (released, most likely); the next sweep looks again
            marked += 1
        return marked

    # Helpers ------------------------------------------------------------------------------

    def _must_get(self, allocation_id: str) -> Allocation:
        allocation = self._reader.get_allocation(allocation_id)
        if allocation is None:
            raise errors.AllocationNotFoundError()
        return allocation

    def _new_command(self, allocation: Allocation, kind: str) -> Command:
        command_id = new_id("cmd")
        now = self._clock.now()
        payload: dict[str, Any] = {"allocation_id": allocation.id}
        if kind == PROVISION:
            payload.update(
                slots=[payloads.command_slot(s) for s in allocation.slots],
                container_image=allocation.container_image,
                ssh_public_keys=list(allocation.ssh_public_keys),
                ssh_user=allocation.ssh_user,
            )
            if allocation.startup_script is not None:
                payload["startup_script"] = allocation.startup_script
        elif kind == SYNC_KEYS:
            payload.update(ssh_public_keys=list(allocation.ssh_public_keys))
        expires_at = now + timedelta(seconds=self._timeouts[kind])
        document = command_document(command_id, kind, allocation.node_id, now, expires_at, payload)
        return Command(id=command_id, node_id=allocation.node_id, allocation_id=allocation.id, kind=kind,
                       document=document)  # fmt: skip


def _failure_reason(error: dict[str, Any], agent_reason: str | None = None) -> str:
    name = str(error.get("Error") or "Unknown")
    cause = str(agent_reason or error.get("Cause") or "")
    if name in ("States.Timeout", "States.HeartbeatTimeout"):
        return "node_unresponsive: the node's agent did not report in time"
    if name == COMMAND_FAILED:
        return f"provisioning_failed: {cause}"[:300]
    if name == COMMAND_REJECTED:
        return f"command_rejected: {cause}"[:300]
    if name == "WorkflowUnavailable":
        return "workflow_unavailable"
    return f"internal_error: {name}"[:300]


def host_key_fingerprint(public_key: str) -> str:
    """``SHA256:...`` of an OpenSSH public key, as ``ssh-keygen -l`` and ssh print it."""
    blob = base64.b64decode(public_key.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def _check_output(kind: str, result: dict[str, Any]) -> None:
    if result["status"] != "succeeded":
        return
    output = result.get("output") or {}
    needed = {PROVISION: ("ssh_host", "ssh_port", "ssh_user"), RELEASE: ("wiped",), SYNC_KEYS: ()}[kind]
    missing = [k for k in needed if k not in output]
    if missing:
        raise errors.ValidationFailedError(f"A succeeded {kind} result needs output.{missing[0]}")
    if kind != PROVISION or ("ssh_host_key" not in output and "ssh_host_key_fingerprint" not in output):
        return
    host_key, reported = output.get("ssh_host_key"), output.get("ssh_host_key_fingerprint")
    if not isinstance(host_key, str) or not _HOST_KEY_RE.match(host_key):
        raise errors.ValidationFailedError("output.ssh_host_key must be an ssh-ed25519 public key without comment")
    if reported != host_key_fingerprint(host_key):
        raise errors.ValidationFailedError("output.ssh_host_key_fingerprint is not the fingerprint of ssh_host_key")
