from __future__ import annotations

import pytest

from chalicelib.audit.models import Actor, AuditQuery, record
from chalicelib.audit.payloads import audit_document
from chalicelib.audit.service import AuditService
from tests.fakes.audit import FakeAuditTrail

pytestmark = pytest.mark.unit

OWNER = Actor("usr_own", "org_a", "owner", False, "req-1")
OTHER = Actor("usr_oth", "org_b", "owner", False, "req-2")


def _trail() -> FakeAuditTrail:
    return FakeAuditTrail(
        [
            audit_document(record("members:add", "usr_1", OWNER, "2026-11-01T10:00:00.000Z", org_id="org_a")),
            audit_document(record("api_keys:create", "key_1", OWNER, "2026-11-02T10:00:00.000Z", org_id="org_a")),
            audit_document(record("members:add", "usr_2", OTHER, "2026-11-02T11:00:00.000Z", org_id="org_b")),
            audit_document(record("api_keys:revoke", "key_1", OWNER, "2026-11-03T10:00:00.000Z", org_id="org_a")),
        ]
    )


def test_a_member_reads_only_their_own_org_whatever_the_query_names():
    service = AuditService(_trail())
    page = service.org_trail("org_a", AuditQuery(org_id="org_b"), 10, None)
    assert [r["org_id"] for r in page.items] == ["org_a", "org_a", "org_a"]
    assert [r["at"][:10] for r in page.items] == ["2026-11-03", "2026-11-02", "2026-11-01"]  # newest first


def test_an_operator_reads_every_org_or_the_one_named():
    service = AuditService(_trail())
    assert len(service.platform_trail(AuditQuery(), 10, None).items) == 4
    assert {r["org_id"] for r in service.platform_trail(AuditQuery(org_id="org_b"), 10, None).items} == {"org_b"}


def test_filters_and_inclusive_day_bounds():
    service = AuditService(_trail())
    by_target = service.org_trail("org_a", AuditQuery(target="key_1"), 10, None)
    assert [r["action"] for r in by_target.items] == ["api_keys:revoke", "api_keys:create"]
    one_day = service.platform_trail(AuditQuery(since="2026-11-02", until="2026-11-02"), 10, None)
    assert [r["target"] for r in one_day.items] == ["usr_2", "key_1"]


def test_pages_follow_the_cursor_to_the_end():
    service = AuditService(_trail())
    first = service.platform_trail(AuditQuery(), 3, None)
    rest = service.platform_trail(AuditQuery(), 3, first.next_cursor)
    assert len(first.items) == 3 and len(rest.items) == 1 and rest.next_cursor is None
    assert {r["id"] for r in first.items}.isdisjoint(r["id"] for r in rest.items)
