"""The notifications consumer's EventBridge rule matches exactly the internal events that can become
public (chalicelib.core.public_events.INTERNAL_SOURCE_TYPES) plus webhook.disabled, and every
public type that notifies has a category."""

from __future__ import annotations

import pytest
from cfnlint.decode import decode

from chalicelib.core.public_events import CUSTOMER_EVENT_TYPES, INTERNAL_SOURCE_TYPES
from chalicelib.notifications.models import CATEGORIES, CATEGORY_OF_TYPE, WEBHOOK_DISABLED
from tests.support.contracts import ROOT

pytestmark = pytest.mark.unit


def test_the_rule_matches_the_public_sources_and_webhook_disabled():
    template, matches = decode(str(ROOT / "infra" / "template.yaml"))
    assert not matches
    pattern = template["Resources"]["NotificationsRule"]["Properties"]["EventPattern"]
    assert sorted(pattern["detail-type"]) == sorted([*INTERNAL_SOURCE_TYPES, WEBHOOK_DISABLED])


def test_every_notifying_type_is_public_or_webhook_disabled_and_has_a_category():
    assert set(CATEGORY_OF_TYPE) <= {*CUSTOMER_EVENT_TYPES, WEBHOOK_DISABLED}
    assert set(CATEGORY_OF_TYPE.values()) == set(CATEGORIES)
