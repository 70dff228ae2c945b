"""DynamoDB side of the fleet: bootstrap tokens, node credentials and heartbeats."""

from __future__ import annotations

from chalicelib.core import errors
from chalicelib.core.clock import Clock
from chalicelib.fleet.models import BootstrapToken, Heartbeat, NodeCredential
from chalicelib.inventory.models import Sku
from chalicelib.storage import keys
from chalicelib.storage.inventory_repo import DynamoInventoryReader, DynamoInventoryUnitOfWork
from chalicelib.storage.table import (
    BootstrapTokenItem,
    NodeAgentItem,
    NodeCredentialItem,
    TableItem,
    bind_table,
    get_item,
)


class DynamoFleetReader:
    def __init__(self) -> None:
        bind_table()
        self._inventory = DynamoInventoryReader()

    def get_sku(self, sku_id: str) -> Sku | None:
        return self._inventory.get_sku(sku_id)

    def get_bootstrap_token(self, token_id: str) -> BootstrapToken | None:
        i = get_item(BootstrapTokenItem, keys.bootstrap_token(token_id), consistent=True)
        if i is None:
            return None
        return BootstrapToken(
            i.id, i.sku_id, i.created_by, i.created_at, i.expires_at, i.secret_hash, i.used_at, i.node_id
        )

    def get_node_credential(self, node_id: str) -> NodeCredential | None:
        # Eventually consistent: the one read on every agent request.
        i = get_item(NodeCredentialItem, keys.node_credential(node_id))
        if i is None:
            return None
        return NodeCredential(i.node_id, i.token_hash, i.queue_url, i.queue_arn)


class DynamoFleetUnitOfWork(DynamoInventoryUnitOfWork):
    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)

    def add_bootstrap_token(self, token: BootstrapToken) -> None:
        pk, sk = keys.bootstrap_token(token.id)
        item = BootstrapTokenItem(
            PK=pk,
            SK=sk,
            id=token.id,
            sku_id=token.sku_id,
            created_by=token.created_by,
            created_at=token.created_at,
            expires_at=token.expires_at,
            secret_hash=token.secret_hash,
            ttl=_expiry(token.expires_at, days_after=30),
        )
        self.put(item, condition=BootstrapTokenItem.PK.does_not_exist(), error=errors.ConcurrentUpdateError)

    def consume_bootstrap_token(self, token: BootstrapToken, node_id: str, at: str) -> None:
        pk, sk = keys.bootstrap_token(token.id)
        # Single use, even when two hosts race with the same token: only one update holds.
        self.update(
            BootstrapTokenItem(PK=pk, SK=sk),
            [BootstrapTokenItem.used_at.set(at), BootstrapTokenItem.node_id.set(node_id)],
            condition=BootstrapTokenItem.used_at.does_not_exist() & (BootstrapTokenItem.expires_at > at),
            error=errors.InvalidTokenError,
        )

    def add_node_credential(self, credential: NodeCredential) -> None:
        pk, sk = keys.node_credential(credential.node_id)
        item = NodeCredentialItem(
            PK=pk,
            SK=sk,
            node_id=credential.node_id,
            token_hash=credential.token_hash,
            queue_url=credential.queue_url,
            queue_arn=credential.queue_arn,
        )
        self.put(item, condition=NodeCredentialItem.PK.does_not_exist(), error=errors.ConcurrentUpdateError)


class DynamoHeartbeats:
    def __init__(self) -> None:
        bind_table()

    def record(self, heartbeat: Heartbeat) -> None:
        pk, sk = keys.node_agent(heartbeat.node_id)
        NodeAgentItem(
            PK=pk,
            SK=sk,
            # The health sweeper reads every node's last heartbeat from one index partition.
            GSI1PK=keys.HEALTH_PARTITION,
            GSI1SK=heartbeat.node_id,
            node_id=heartbeat.node_id,
            received_at=heartbeat.received_at,
            sent_at=heartbeat.sent_at,
            agent_version=heartbeat.agent_version,
            nvml=heartbeat.nvml,
            gpus=list(heartbeat.gpus),
            running_commands=list(heartbeat.running_commands),
        ).save()

    def last_seen(self) -> list[tuple[str, str]]:
        return [
            (item.node_id, item.received_at)
            for item in TableItem.gsi1.query(keys.HEALTH_PARTITION)
            if isinstance(item, NodeAgentItem)
        ]


def _expiry(iso: str, *, days_after: int) -> object:
    from datetime import datetime, timedelta

    return datetime.fromisoformat(iso.replace("Z", "+00:00")) + timedelta(days=days_after)
