"""In-memory fleet storage and adapters with DynamoDB's semantics (a unit of work applies all or
nothing; a spent or expired bootstrap token is InvalidToken, as in chalicelib.storage.fleet_repo),
and fakes of the ports fleet calls in inventory (NodeStates) and provisioning (NodeWorkloads)."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.audit.models import Actor
from chalicelib.core import errors
from chalicelib.fleet.models import BootstrapToken, Heartbeat, IssuedCredentials, NodeCredential
from chalicelib.inventory.models import HEALTHY, Sku
from tests.fakes.inventory import FakeUnitOfWork, InMemoryStore
from tests.fakes.unit_of_work import Op


class FleetStore(InMemoryStore):
    """Inventory's store (SKUs, nodes, slots) plus the fleet's own items."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: dict[str, BootstrapToken] = {}
        self.credentials: dict[str, NodeCredential] = {}


class FakeFleetReader:
    def __init__(self, store: FleetStore) -> None:
        self.s = store

    def get_sku(self, sku_id: str) -> Sku | None:
        return self.s.skus.get(sku_id)

    def get_bootstrap_token(self, token_id: str) -> BootstrapToken | None:
        return self.s.tokens.get(token_id)

    def get_node_credential(self, node_id: str) -> NodeCredential | None:
        return self.s.credentials.get(node_id)


class FakeFleetUnitOfWork(FakeUnitOfWork):
    """Inventory's fake unit of work (node and slots) with the fleet's writes."""

    def add_bootstrap_token(self, token: BootstrapToken) -> None:
        self.ops.append(("token_new", token))

    def consume_bootstrap_token(self, token: BootstrapToken, node_id: str, at: str) -> None:
        self.ops.append(("token_use", token.id, node_id, at))

    def add_node_credential(self, credential: NodeCredential) -> None:
        self.ops.append(("credential_new", credential))

    @staticmethod
    def _apply(s: FleetStore, op: Op) -> None:
        kind = op[0]
        if kind == "token_new":
            if op[1].id in s.tokens:
                raise errors.ConcurrentUpdateError()
            s.tokens[op[1].id] = op[1]
        elif kind == "token_use":
            token_id, node_id, at = op[1], op[2], op[3]
            token = s.tokens[token_id]
            # Single use, even when two hosts race with the same token: only one update holds.
            if token.used_at is not None or not token.expires_at > at:
                raise errors.InvalidTokenError()
            s.tokens[token_id] = replace(token, used_at=at, node_id=node_id)
        elif kind == "credential_new":
            if op[1].node_id in s.credentials:
                raise errors.ConcurrentUpdateError()
            s.credentials[op[1].node_id] = op[1]
        else:
            FakeUnitOfWork._apply(s, op)


class FakeHeartbeats:
    def __init__(self) -> None:
        self.beats: dict[str, Heartbeat] = {}

    def record(self, heartbeat: Heartbeat) -> None:
        self.beats[heartbeat.node_id] = heartbeat

    def last_seen(self) -> list[tuple[str, str]]:
        return [(node_id, beat.received_at) for node_id, beat in sorted(self.beats.items())]


class FakeNodeQueues:
    def __init__(self) -> None:
        self.created: list[str] = []

    def ensure(self, node_id: str) -> tuple[str, str]:
        self.created.append(node_id)
        return f"https://sqs.local/q/{node_id}.fifo", f"arn:aws:sqs:us-east-1:000000000000:{node_id}.fifo"


class FakeQueueCredentials:
    def __init__(self) -> None:
        self.issued: list[tuple[str, str, int]] = []

    def issue(self, node_id: str, queue_arn: str, ttl_seconds: int) -> IssuedCredentials:
        self.issued.append((node_id, queue_arn, ttl_seconds))
        return IssuedCredentials("ASIAFAKE", "secret", f"token-for-{node_id}", "2026-11-26T13:00:00Z")


class FakeNodeStates:
    """inventory's NodeStates: remembers each node's health and drains; ``conflict`` makes the
    next call lose a race (ConcurrentUpdate), as a concurrent change of the node would."""

    def __init__(self) -> None:
        self.health: dict[str, str] = {}
        self.drained: list[tuple[str, str, str]] = []
        self.conflict = False

    def drain_node(self, actor: Actor, node_id: str, reason: str) -> object:
        self._maybe_conflict()
        self.drained.append((actor.user_id, node_id, reason))
        return None

    def set_node_health(self, node_id: str, health: str, last_heartbeat_at: str) -> object | None:
        self._maybe_conflict()
        if self.health.get(node_id, HEALTHY) == health:
            return None
        self.health[node_id] = health
        return health

    def _maybe_conflict(self) -> None:
        if self.conflict:
            self.conflict = False
            raise errors.ConcurrentUpdateError()


class FakeNodeWorkloads:
    """provisioning's NodeWorkloads: what fleet told it about each node."""

    def __init__(self) -> None:
        self.kept_alive: list[str] = []
        self.down: list[tuple[str, str]] = []

    def keep_alive(self, node_id: str) -> object:
        self.kept_alive.append(node_id)
        return 0

    def node_down(self, node_id: str, at: str) -> object:
        self.down.append((node_id, at))
        return 0
