"""An allocation survives its trip through the table's attributes (one attribute per field)."""

from __future__ import annotations

import pytest

from chalicelib.provisioning.models import ACTIVE, FAILED, PENDING, Allocation, ClaimedSlot, Connection
from chalicelib.storage.allocation_repo import allocation_from, allocation_item
from chalicelib.storage.table import AllocationItem

pytestmark = pytest.mark.unit


def _allocation(**changes: object) -> Allocation:
    base: dict[str, object] = dict(
        id="alc_1", org_id="org_1", user_id="usr_1", name="a", sku_id="sku_1", region="us-east-1",
        gpu_model="H100", count=2, gpus=2, os_image_id="img_1", container_image="c", ssh_user="gpuaas",
        ssh_key_ids=("ssh_1", "ssh_2"), ssh_public_keys=("ssh-ed25519 AAA", "ssh-ed25519 BBB"), node_id="node_1",
        slots=(ClaimedSlot(1, (2, 3)), ClaimedSlot(4, (8, 9))), price_per_hour_micros=2_000_000, currency="USD",
        state=PENDING, created_at="t0", updated_at="t0",
    )  # fmt: skip
    base.update(changes)
    return Allocation(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "allocation",
    [
        _allocation(),
        _allocation(
            state=ACTIVE,
            connection=Connection("h", 2201, "u"),
            activated_at="t1",
            version=3,
            provision_command_id="cmd_1",
            node_down_at="t2",
        ),
        _allocation(state=FAILED, reason="node_unresponsive", failed_at="t1", wiped=False, version=2),
    ],
    ids=["pending", "active", "failed"],
)
def test_an_allocation_round_trips_through_its_stored_attributes(allocation: Allocation) -> None:
    item = allocation_item(allocation)
    stored = AllocationItem.from_raw_data(item.serialize())
    assert allocation_from(stored) == allocation


def test_only_allocations_that_hold_slots_are_listed_under_their_node() -> None:
    assert allocation_item(_allocation()).GSI2PK == "NODE#node_1#ALLOCS"
    assert allocation_item(_allocation(state=FAILED)).GSI2PK is None
