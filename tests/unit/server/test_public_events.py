"""The public event mapping: which internal events customers see, under which name and id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.core import public_events as pe

SAMPLES = Path(__file__).resolve().parents[3] / "events" / "samples"


def sample(event_type: str) -> dict:
    return json.loads((SAMPLES / f"{event_type}.json").read_text())


@pytest.mark.parametrize(
    ("internal", "public"),
    [
        ("allocation.active", "allocation.active"),
        ("allocation.failed", "allocation.failed"),
        ("billing.low_balance", "balance.low"),
        ("billing.balance_depleted", "balance.depleted"),
    ],
)
def test_public_events_keep_the_internal_id_time_and_org(internal: str, public: str) -> None:
    envelope = sample(internal)
    event = pe.public_event(envelope)
    assert event is not None
    assert (event.id, event.type, event.timestamp) == (envelope["id"], public, envelope["time"])
    assert event.org_id == envelope["data"]["org_id"]
    assert event.payload() == {"id": envelope["id"], "type": public, "timestamp": envelope["time"], "data": event.data}


def test_internal_only_events_are_not_public() -> None:
    assert pe.public_event(sample("sku.created")) is None
    assert pe.public_event(sample("allocation.provisioning")) is None


def test_ledger_entries_become_payment_events_by_kind() -> None:
    envelope = sample("billing.credited")
    envelope["data"]["kind"] = "topup"
    assert pe.public_event(envelope).type == "payment.succeeded"  # type: ignore[union-attr]
    envelope["data"]["kind"] = "promotion"
    assert pe.public_event(envelope) is None
    debit = sample("billing.debited")
    debit["data"]["kind"] = "dispute"
    assert pe.public_event(debit).type == "payment.disputed"  # type: ignore[union-attr]


def test_node_health_maps_to_suspect_and_down_for_operators_only() -> None:
    envelope = sample("node.health_changed")
    event = pe.public_event(envelope)
    assert event is not None and event.type == "node.suspect" and event.org_id is None
    assert pe.subscribed(["*"], event, operator=True)
    assert not pe.subscribed(["*"], event, operator=False)
    envelope["data"]["node"]["health"] = "healthy"
    assert pe.public_event(envelope) is None


@pytest.mark.parametrize(
    ("pattern", "operator", "known"),
    [
        ("*", False, True),
        ("allocation.*", False, True),
        ("balance.low", False, True),
        ("node.*", False, False),
        ("node.down", True, True),
        ("foo.*", False, False),
        ("allocation.act*", False, False),
        ("*.active", False, False),
        (".*", False, False),
    ],
)
def test_subscription_patterns(pattern: str, operator: bool, known: bool) -> None:
    assert pe.known_pattern(pattern, operator=operator) is known


def test_wildcards_match_by_prefix_only() -> None:
    assert pe.matches("allocation.*", "allocation.force_released")
    assert not pe.matches("allocation.*", "balance.low")
    assert pe.matches("*", "payment.refunded")
