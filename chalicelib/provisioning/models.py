"""Provisioning domain: allocations (GPU slots a customer rents), their lifecycle, and the
commands that make a node's agent build or wipe them.

An allocation is ``pending`` when its slots are claimed, ``provisioning`` while the node's
agent builds it, ``active`` once the customer can connect, ``releasing`` while the agent wipes
it, and ``released`` when its slots are back in the pool. ``failed`` (with a reason) ends an
allocation that never became active; its slots are freed by the compensation that failed it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from chalicelib.core import errors
from chalicelib.inventory.models import Slot

PENDING = "pending"
PROVISIONING = "provisioning"
ACTIVE = "active"
RELEASING = "releasing"
RELEASED = "released"
FAILED = "failed"
STATES = (PENDING, PROVISIONING, ACTIVE, RELEASING, RELEASED, FAILED)
FINAL_STATES = (RELEASED, FAILED)

RELEASE = "release"

# What a customer may do in each state; anything else is INVALID_ALLOCATION_STATE (409).
# Releasing a pending or provisioning allocation is recorded and carried out as soon as the
# workload exists (the provisioning workflow hands over to the release workflow).
ALLOWED_ACTIONS: dict[str, tuple[str, ...]] = {
    PENDING: (RELEASE,),
    PROVISIONING: (RELEASE,),
    ACTIVE: (RELEASE,),
    RELEASING: (),
    RELEASED: (),
    FAILED: (),
}

# The workflows' transitions; a transition not listed here is a bug, refused with a 409.
TRANSITIONS: dict[str, frozenset[str]] = {
    PENDING: frozenset({PROVISIONING, FAILED}),
    PROVISIONING: frozenset({ACTIVE, RELEASING, FAILED}),
    ACTIVE: frozenset({RELEASING}),
    RELEASING: frozenset({RELEASED}),
    RELEASED: frozenset(),
    FAILED: frozenset(),
}

# Command kinds (the agent protocol's command types).
PROVISION = "provision"
SYNC_KEYS = "sync_keys"  # an active allocation's new authorized keys; no workflow waits for its result

# Slots whose wipe the agent never confirmed stay out of the pool until it does.
SLOT_WIPE_PENDING = "wipe_pending"


@dataclass(frozen=True, slots=True)
class Connection:
    """How to reach an active allocation: its sshd's address and account, and its host key as the node's
    agent reported it (None only from an agent that did not report one)."""

    host: str
    port: int
    user: str
    host_key: str | None = None  # "ssh-ed25519 AAAA..."
    host_key_fingerprint: str | None = None  # "SHA256:..."

    @property
    def ssh_command(self) -> str:
        return f"ssh -p {self.port} {self.user}@{self.host}"

    @property
    def known_hosts(self) -> str | None:
        """The known_hosts line that lets ssh check the host key (``[host]:port key``; port 22 is the bare host)."""
        if not self.host_key:
            return None
        pattern = self.host if self.port == 22 else f"[{self.host}]:{self.port}"
        return f"{pattern} {self.host_key}"


@dataclass(frozen=True, slots=True)
class ClaimedSlot:
    index: int
    gpu_indexes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Allocation:
    id: str
    org_id: str
    user_id: str
    name: str
    sku_id: str
    region: str
    gpu_model: str
    count: int
    gpus: int
    os_image_id: str
    container_image: str
    ssh_user: str
    ssh_key_ids: tuple[str, ...]
    ssh_public_keys: tuple[str, ...]
    node_id: str
    slots: tuple[ClaimedSlot, ...]
    price_per_hour_micros: int
    currency: str
    state: str
    created_at: str
    updated_at: str
    version: int = 1
    reason: str | None = None
    connection: Connection | None = None
    activated_at: str | None = None
    release_requested_at: str | None = None
    released_at: str | None = None
    failed_at: str | None = None
    # When the node went down under an active allocation: billing stops there (see doc/events.md).
    node_down_at: str | None = None
    wiped: bool | None = None
    provision_command_id: str | None = None
    release_command_id: str | None = None
    # Run by the node's agent once the workload exists; its output is the first of the allocation's logs.
    startup_script: str | None = None

    @property
    def allowed_actions(self) -> tuple[str, ...]:
        if self.release_requested_at and self.state in (PENDING, PROVISIONING):
            return ()  # already asked for; the workflow carries it out
        return ALLOWED_ACTIONS[self.state]

    def transition(self, to: str, *, now: str, **changes: Any) -> Allocation:
        if to not in TRANSITIONS[self.state]:
            raise errors.InvalidAllocationStateError(f"An allocation cannot go from {self.state} to {to}")
        return replace(self, state=to, updated_at=now, version=self.version + 1, **changes)


@dataclass(frozen=True, slots=True)
class AllocationRequest:
    org_id: str
    user_id: str
    sku_id: str
    count: int
    os_image_id: str
    ssh_key_ids: tuple[str, ...] | None = None
    name: str | None = None
    startup_script: str | None = None


@dataclass(frozen=True, slots=True)
class Command:
    """A document for one node's agent (protocol v1) and what came back for it."""

    id: str
    node_id: str
    allocation_id: str
    kind: str
    document: dict[str, Any]
    task_token: str | None = None
    attempts: int = 0
    result: dict[str, Any] | None = None
    reported_at: str | None = None


@dataclass(frozen=True, slots=True)
class CommandRef:
    """What a workflow step that created (or found) a command hands to the next step."""

    command_id: str


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """Where a workflow step left the allocation; ``reason`` for a failure, ``wiped`` for a
    release that this step finished (None when the step found the work already done)."""

    state: str
    reason: str | None = None
    wiped: bool | None = None


@dataclass(frozen=True, slots=True)
class ResultReceipt:
    """The answer to an agent's result: accepted, and whether a workflow still waited for it."""

    command_id: str
    accepted: bool
    late: bool


@dataclass(frozen=True, slots=True)
class WorkflowInput:
    """The input of a provisioning or release execution (the state machines read it)."""

    allocation_id: str
    heartbeat_seconds: int
    command_seconds: int
    max_attempts: int
    attempt: int = 1


@dataclass(frozen=True, slots=True)
class Placement:
    node_id: str
    slots: tuple[Slot, ...]


def place(
    free_slots: list[Slot], count: int, *, exclude: frozenset[tuple[str, int]] = frozenset(), rng: random.Random
) -> Placement | None:
    """Best fit: the node with the fewest free slots that still has ``count`` (ties by node id),
    so that large requests keep finding whole nodes. Which of its free slots is random, so that
    concurrent requests for the same node mostly claim different slots instead of colliding."""
    by_node: dict[str, list[Slot]] = defaultdict(list)
    for slot in free_slots:
        if (slot.node_id, slot.index) not in exclude:
            by_node[slot.node_id].append(slot)
    fitting = [(len(slots), node_id) for node_id, slots in by_node.items() if len(slots) >= count]
    if not fitting:
        return None
    _, node_id = min(fitting)
    chosen = rng.sample(by_node[node_id], count)
    return Placement(node_id, tuple(sorted(chosen, key=lambda s: s.index)))
