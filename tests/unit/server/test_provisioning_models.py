"""Allocation lifecycle rules and placement, without storage."""

from __future__ import annotations

import random

import pytest

from chalicelib.api.allocation_bodies import allocation_body
from chalicelib.core import errors
from chalicelib.inventory.models import Slot
from chalicelib.provisioning.models import (
    ACTIVE,
    ALLOWED_ACTIONS,
    FAILED,
    PENDING,
    PROVISIONING,
    RELEASED,
    RELEASING,
    STATES,
    TRANSITIONS,
    Allocation,
    ClaimedSlot,
    Connection,
    place,
)
from chalicelib.provisioning.payloads import allocation_audit, allocation_event_data


def slots(node: str, count: int, sku: str = "sku_x") -> list[Slot]:
    return [Slot(node_id=node, index=i, sku_id=sku, gpu_indexes=(i,)) for i in range(count)]


def allocation(**changes) -> Allocation:
    base = dict(
        id="alc_1", org_id="org_1", user_id="usr_1", name="a", sku_id="sku_x", region="us-east-1",
        gpu_model="H100", count=1, gpus=1, os_image_id="img_1", container_image="img", ssh_user="gpuaas",
        ssh_key_ids=("ssh_1",), ssh_public_keys=("ssh-ed25519 AAAA",), node_id="node_a",
        slots=(ClaimedSlot(0, (0,)),), price_per_hour_micros=1, currency="USD", state=PENDING,
        created_at="t0", updated_at="t0",
    )  # fmt: skip
    base.update(changes)
    return Allocation(**base)


def test_best_fit_picks_the_fullest_node_that_still_fits():
    free = slots("node_big", 8) + slots("node_mid", 3) + slots("node_small", 1)
    rng = random.Random(1)
    assert place(free, 1, rng=rng).node_id == "node_small"
    assert place(free, 2, rng=rng).node_id == "node_mid"
    assert place(free, 4, rng=rng).node_id == "node_big"
    assert place(free, 9, rng=rng) is None


def test_placement_keeps_one_node_and_skips_excluded_slots():
    free = slots("node_a", 2) + slots("node_b", 3)
    chosen = place(free, 2, exclude=frozenset({("node_a", 0)}), rng=random.Random(2))
    assert chosen.node_id == "node_b" and len({s.index for s in chosen.slots}) == 2
    assert place([], 1, rng=random.Random(3)) is None


def test_concurrent_placements_spread_over_a_nodes_free_slots():
    free = slots("node_a", 8)
    picks = {place(free, 1, rng=random.Random(seed)).slots[0].index for seed in range(40)}
    assert len(picks) > 4  # not everyone collides on slot 0


def test_every_state_lists_its_actions_and_transitions():
    assert set(ALLOWED_ACTIONS) == set(STATES) == set(TRANSITIONS)
    assert ALLOWED_ACTIONS[ACTIVE] == ("release",) and ALLOWED_ACTIONS[RELEASED] == ()
    assert TRANSITIONS[RELEASED] == TRANSITIONS[FAILED] == frozenset()


def test_transitions_outside_the_table_are_refused():
    a = allocation()
    moved = a.transition(PROVISIONING, now="t1")
    assert (moved.state, moved.version, moved.updated_at) == (PROVISIONING, 2, "t1")
    with pytest.raises(errors.InvalidAllocationStateError):
        a.transition(ACTIVE, now="t1")
    with pytest.raises(errors.InvalidAllocationStateError):
        allocation(state=RELEASED).transition(RELEASING, now="t1")


def test_a_release_asked_for_before_activation_allows_nothing_more():
    assert allocation(state=PROVISIONING, release_requested_at="t1").allowed_actions == ()
    assert allocation(state=PROVISIONING).allowed_actions == ("release",)


def test_only_an_active_allocation_shows_how_to_connect_and_key_texts_stay_private():
    conn = Connection("h.fleet", 2201, "gpuaas")
    active = allocation_body(allocation(state=ACTIVE, connection=conn))
    assert active["connection"]["command"] == "ssh -p 2201 gpuaas@h.fleet"
    assert allocation_body(allocation(state=RELEASING, connection=conn))["connection"] is None
    assert "ssh_public_keys" not in allocation_body(allocation())
    assert allocation_audit(allocation(state=ACTIVE, connection=conn)) == active
    assert "ssh_public_keys" not in allocation_event_data(allocation())
