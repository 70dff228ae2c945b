"""Notifications in the SDK and the CLI, no server: the feed with its unread count, read marks and
email preferences (`gpuaas notifications list|read|preferences`)."""

from __future__ import annotations

import io
import json

import pytest
from gpuaas_client import Client
from gpuaas_client.cli import main
from responses import matchers

from tests.unit.client.conftest import BASE

pytestmark = [pytest.mark.unit, pytest.mark.usefixtures("config")]

NTF = "ntf_01m8e14x4trehhrv8yn4pnsck7"
ENTRY = {
    "id": NTF,
    "category": "balance_low",
    "event_id": "evt_01m8e14x4trehhrv8yn4pnsck7",
    "event_type": "balance.low",
    "title": "Balance below $10.00",
    "body": "The balance of acme is $9.99.",
    "data": {"org_id": "org_x"},
    "created_at": "2026-11-27T08:15:01.274Z",
    "read_at": None,
    "read": False,
}
CATEGORIES = [
    {"name": "balance_low", "title": "Low balance and runway warnings", "email": True, "mandatory": False},
    {"name": "force_released", "title": "Allocations force-released", "email": True, "mandatory": True},
]
PREFS = {"email": {"balance_low": True, "force_released": True}, "categories": CATEGORIES, "updated_at": None}


@pytest.fixture
def signed_in(config):
    config.put_api_key("default", BASE, "gpk_x")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_the_sdk_pages_the_feed_and_marks_read(http):
    http.get(f"{BASE}/v1/notifications", json={"items": [ENTRY], "next_cursor": None, "unread_count": 1})
    http.post(
        f"{BASE}/v1/notifications/{NTF}/read", json={**ENTRY, "read_at": "2026-11-27T09:00:00.000Z", "read": True}
    )
    client = Client(BASE, api_key="gpk_x")
    assert [n.id for n in client.notifications()] == [NTF]
    assert client.mark_notification_read(NTF).read is True


def test_list_shows_the_feed_and_the_unread_count(http, signed_in):
    http.get(f"{BASE}/v1/notifications", json={"items": [ENTRY], "next_cursor": None, "unread_count": 1})
    code, out, _ = run("notifications", "list")
    assert code == 0 and "Balance below $10.00" in out and "1 unread" in out
    code, out, _ = run("notifications", "list", "--output", "json")
    assert code == 0 and json.loads(out)["unread_count"] == 1 and json.loads(out)["items"][0]["id"] == NTF


def test_read_marks_one_or_all(http, signed_in):
    http.post(f"{BASE}/v1/notifications/{NTF}/read", json={**ENTRY, "read": True})
    http.post(f"{BASE}/v1/notifications/read-all", json={"marked": 3, "unread_count": 0})
    assert run("notifications", "read", NTF)[1].strip() == "Marked 1 read."
    assert run("notifications", "read", "--all")[1].strip() == "Marked 3 read."
    assert run("notifications", "read")[0] != 0  # neither ids nor --all


def test_preferences_show_and_change(http, signed_in):
    http.get(f"{BASE}/v1/me/notifications/preferences", json=PREFS)
    http.put(
        f"{BASE}/v1/me/notifications/preferences",
        json={**PREFS, "email": {"balance_low": False, "force_released": True}},
        match=[matchers.json_params_matcher({"email": {"balance_low": False}})],
    )
    code, out, _ = run("notifications", "preferences")
    assert code == 0 and "force_released" in out and "yes" in out
    code, out, _ = run("notifications", "preferences", "--off", "balance_low", "--output", "json")
    assert code == 0 and json.loads(out)["email"]["balance_low"] is False
