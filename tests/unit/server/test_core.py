from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.core import errors
from chalicelib.core.events import DomainEvent, envelope
from chalicelib.core.ids import new_id, ulid
from chalicelib.core.settings import load_settings
from chalicelib.storage.pagination import decode_cursor, encode_cursor

pytestmark = pytest.mark.unit


def test_ulids_sort_by_time_and_are_unique():
    early, late = ulid(1_000), ulid(2_000)
    assert len(early) == 26 and early < late
    assert len({new_id("sku") for _ in range(1000)}) == 1000


def test_error_codes_are_unique_and_statuses_are_http_errors():
    assert len(errors.CATALOG) == len({cls.code for cls in errors.CATALOG.values()})
    assert all(400 <= cls.status <= 599 for cls in errors.CATALOG.values())
    assert errors.error_for_code("SKU_NOT_FOUND") is errors.SkuNotFoundError
    assert errors.SkuNotFoundError.__name__ == "SkuNotFoundError"


def test_envelope_is_cloudevents():
    moment = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    env = envelope(DomainEvent("sku.created", "sku_x", {"a": 1}, "inventory"), source_prefix="gpuaas", time=moment)
    assert env["specversion"] == "1.0"
    assert env["source"] == "gpuaas.inventory"
    assert env["time"] == "2026-01-02T03:04:05.678Z"
    assert env["dataschema"] == "urn:gpuaas:events:sku.created:v1"


def test_settings_come_from_the_environment():
    s = load_settings({"GPUAAS_STAGE": "prod", "GPUAAS_TABLE_NAME": "t", "GPUAAS_PAGE_LIMIT_MAX": "7"})
    assert (s.stage, s.table_name, s.page_limit_max, s.is_local) == ("prod", "t", 7, False)
    assert load_settings({}).is_local


def test_cursor_round_trip_and_forgeries_are_refused():
    key = {"PK": {"S": "SKU#a"}, "SK": {"S": "SKU"}, "GSI1PK": {"S": "CATALOG"}, "GSI1SK": {"S": "us#x"}}
    cursor = encode_cursor(key)
    attrs = ("PK", "SK", "GSI1PK", "GSI1SK")
    assert decode_cursor(cursor, key_attributes=attrs, partition=("GSI1PK", "CATALOG")) == key
    for bad in ["", "!!!", "bm90IGpzb24", encode_cursor({"PK": {"S": "x"}}), "A" * 5000]:
        with pytest.raises(errors.InvalidCursorError):
            decode_cursor(bad, key_attributes=attrs)
    other = encode_cursor({**key, "GSI1PK": {"S": "NODES"}})
    with pytest.raises(errors.InvalidCursorError):
        decode_cursor(other, key_attributes=attrs, partition=("GSI1PK", "CATALOG"))
