"""The event history over its in-memory store: filed once per event id, bad envelopes refused,
a subject's history paged oldest first."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.eventlog.service import EventLogService
from tests.fakes.eventlog import FakeEventLog

pytestmark = pytest.mark.unit


def envelope(event_id: str, subject: str = "alc_1", time: str = "2025-01-31T12:00:00.000Z", **extra: Any) -> dict:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "gpuaas.test.provisioning",
        "type": "allocation.active",
        "time": time,
        "subject": subject,
        "data": {},
        **extra,
    }


@pytest.fixture
def world() -> tuple[EventLogService, FakeEventLog]:
    store = FakeEventLog()
    return EventLogService(store), store


def test_an_event_is_filed_once_whatever_the_redeliveries(world):
    service, store = world
    assert service.record(envelope("evt_1")) is True
    assert service.record(envelope("evt_1")) is False
    assert service.record(envelope("evt_1")) is False
    assert [e["id"] for e in store.envelopes()] == ["evt_1"]
    assert [e["id"] for e in service.history("alc_1", 10, None).items] == ["evt_1"]


@pytest.mark.parametrize("field", ["id", "type", "subject", "time"])
@pytest.mark.parametrize("value", [None, "", 7])
def test_an_envelope_without_its_id_type_subject_or_time_is_refused_and_not_filed(world, field, value):
    service, store = world
    bad = envelope("evt_1")
    if value is None:
        del bad[field]
    else:
        bad[field] = value
    with pytest.raises(ValueError, match=field):
        service.record(bad)
    assert store.envelopes() == []


def test_a_subjects_history_is_its_own_events_oldest_first_in_pages(world):
    service, _ = world
    times = ["2025-01-31T12:00:03.000Z", "2025-01-31T12:00:01.000Z", "2025-01-31T12:00:02.000Z"]
    for n, at in enumerate(times):
        service.record(envelope(f"evt_{n}", time=at))
    service.record(envelope("evt_other", subject="alc_2", time="2025-01-31T12:00:00.000Z"))

    first = service.history("alc_1", 2, None)
    assert [e["id"] for e in first.items] == ["evt_1", "evt_2"] and first.next_cursor is not None
    rest = service.history("alc_1", 2, first.next_cursor)
    assert [e["id"] for e in rest.items] == ["evt_0"] and rest.next_cursor is None
    assert [e["id"] for e in service.history("alc_2", 10, None).items] == ["evt_other"]
    assert service.history("alc_3", 10, None).items == []
