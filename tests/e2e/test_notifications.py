"""Notifications on the local cloud: an org drained to its low-balance threshold gets one email
(read from moto's SES) and one in-app notification, pushed live to a subscribed console, however
many sweeps and redeliveries follow; preferences and the unsubscribe link turn a category off."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from email.message import Message
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from websockets.sync.client import connect

from tests.e2e.helpers import emails_sent_to
from tests.e2e.test_billing import Rig, parse

pytestmark = pytest.mark.e2e

CREDIT = 10_500_000  # 10.50: the 10.00 threshold is crossed after about 500 s at 1000 micros a second
THRESHOLD = 10_000_000


def dollars(micros: int) -> str:
    """What the email must say, computed apart from the code under test: Decimal, half up to cents."""
    value = (Decimal(micros) / Decimal(1_000_000)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"-${-value:,}" if value < 0 else f"${value:,}"


def sent_to(cloud, address: str) -> list[Message]:
    return emails_sent_to(cloud, address)


def parts(message: Message) -> dict[str, str]:
    return {p.get_content_type(): p.get_payload(decode=True).decode() for p in message.walk() if not p.is_multipart()}


@pytest.fixture
def rig(api, cloud):
    policy = {"welcome_credit_micros": CREDIT, "min_runway_seconds": 0, "low_balance_thresholds_micros": [THRESHOLD]}
    assert api.request("PATCH", "/v1/admin/billing-policy", json=policy).status_code == 200
    return Rig(api, cloud, "notif")


def low_balance_events(api, org_id: str) -> list[dict]:
    events = api.get(f"/v1/admin/events?subject={org_id}").json()["items"]
    return [e for e in events if e["type"] == "billing.low_balance"]


def test_a_low_balance_tells_the_owner_once_by_email_in_app_and_live(rig, api, cloud):
    me = rig.call("GET", "/v1/me").json()
    address, org_name = me["user"]["email"], me["org"]["name"]
    ticket = rig.call("POST", "/v1/notifications/stream-ticket")
    assert ticket.status_code == 201 and ticket.json()["ticket"].startswith("nst_")
    with connect(f"{ticket.json()['url']}?ticket={ticket.json()['ticket']}", open_timeout=10) as console:
        allocation = rig.rent()
        start = parse(allocation["activated_at"])
        rig.sweep(start + timedelta(seconds=600))
        cloud.drain()
        frame = json.loads(console.recv(timeout=10))
    assert frame["type"] == "notification" and frame["notification"]["category"] == "balance_low"

    [event] = low_balance_events(api, me["org"]["id"])
    balance = event["data"]["balance_micros"]
    assert balance < THRESHOLD
    [message] = sent_to(cloud, address)
    assert org_name in message["Subject"]
    body = parts(message)
    for text in (body["text/plain"], body["text/html"]):
        assert org_name in text and dollars(balance) in text and dollars(THRESHOLD) in text
    feed = rig.call("GET", "/v1/notifications").json()
    [entry] = feed["items"]
    assert feed["unread_count"] == 1 and entry["event_id"] == event["id"] and entry["id"] == frame["notification"]["id"]
    assert dollars(balance) in entry["body"]

    # More sweeps below the threshold, and the same event delivered again: nothing new.
    rig.sweep(start + timedelta(seconds=660))
    rig.sweep(start + timedelta(seconds=720))
    entry_for_bus = {
        "Source": event["source"],
        "DetailType": event["type"],
        "Detail": json.dumps(event),
        "EventBusName": cloud.resources.event_bus_name,
    }
    cloud.client("events").put_events(Entries=[entry_for_bus])
    cloud.drain()
    assert len(low_balance_events(api, me["org"]["id"])) == 1
    assert len(sent_to(cloud, address)) == 1
    assert len(rig.call("GET", "/v1/notifications").json()["items"]) == 1

    # Reading it.
    read = rig.call("POST", f"/v1/notifications/{entry['id']}/read")
    assert read.status_code == 200 and read.json()["read"] is True
    assert rig.call("GET", "/v1/notifications").json()["unread_count"] == 0

    # The unsubscribe link of the email works without signing in; a changed token does not.
    [link] = [p.strip("<>") for p in message["List-Unsubscribe"].split(",")]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in body["text/plain"]
    token = parse_qs(urlsplit(link).query)["token"][0]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    refused = httpx.get(link.split("?")[0], params={"token": tampered}, timeout=10)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "UNSUBSCRIBE_TOKEN_INVALID"
    # The same signature over a payload naming another user: refused too.
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "usr_" + "0" * 26
    other = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    forged = httpx.get(link.split("?")[0], params={"token": f"{header}.{other}.{signature}"}, timeout=10)
    assert forged.status_code == 400
    done = httpx.get(link, timeout=10)
    assert done.status_code == 200 and done.json() == {"category": "balance_low", "email": False}
    assert rig.call("GET", "/v1/me/notifications/preferences").json()["email"]["balance_low"] is False
    assert httpx.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=10).status_code == 200  # again: no-op


def test_preferences_turn_a_category_off_by_email_but_not_in_app_and_force_release_stays_on(rig, api, cloud):
    prefs = rig.call("GET", "/v1/me/notifications/preferences").json()
    assert all(prefs["email"].values())
    mandatory = {c["name"] for c in prefs["categories"] if c["mandatory"]}
    assert {"force_released", "balance_depleted"} <= mandatory
    refused = rig.call("PUT", "/v1/me/notifications/preferences", json={"email": {"force_released": False}})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "NOTIFICATION_CATEGORY_MANDATORY"
    unknown = rig.call("PUT", "/v1/me/notifications/preferences", json={"email": {"spam": False}})
    assert unknown.status_code == 400
    off = rig.call("PUT", "/v1/me/notifications/preferences", json={"email": {"balance_low": False}})
    assert off.status_code == 200 and off.json()["email"]["balance_low"] is False
    assert off.json()["email"]["force_released"] is True

    me = rig.call("GET", "/v1/me").json()
    allocation = rig.rent()
    rig.sweep(parse(allocation["activated_at"]) + timedelta(seconds=600))
    cloud.drain()
    assert len(low_balance_events(api, me["org"]["id"])) == 1
    assert sent_to(cloud, me["user"]["email"]) == []  # no email...
    [entry] = rig.call("GET", "/v1/notifications").json()["items"]  # ...but in the feed
    assert entry["category"] == "balance_low"
    assert rig.call("POST", "/v1/notifications/read-all").json()["marked"] == 1
    assert rig.call("GET", "/v1/notifications").json()["unread_count"] == 0
    audit = rig.call("GET", "/v1/audit?action=notifications:preferences").json()["items"]
    assert len(audit) == 1


def test_a_failed_allocation_tells_its_creator_and_the_owners(api, cloud):
    rig = Rig(api, cloud, "nfail", role="member")
    owner = {"Authorization": f"Bearer {api.token('owner', user='nfail-owner', org='nfail-org')}"}
    billing = {"Authorization": f"Bearer {api.token('billing', user='nfail-billing', org='nfail-org')}"}
    r = rig.create()
    assert r.status_code == 202, r.text
    [command] = rig.host.commands()
    rig.host.report(command["command_id"], "failed", "executor_error: image pull failed")
    rig.wait(r.json()["id"], "failed")
    cloud.drain()
    creator = rig.call("GET", "/v1/me").json()["user"]["email"]
    owner_email = api.request("GET", "/v1/me", role=None, headers=owner).json()["user"]["email"]
    [to_creator] = sent_to(cloud, creator)
    [to_owner] = sent_to(cloud, owner_email)
    assert sent_to(cloud, "nfail-billing@") == []
    assert r.json()["id"] in to_creator["Subject"] and "image pull failed" in parts(to_owner)["text/plain"]
    feed = api.request("GET", "/v1/notifications", role=None, headers=billing).json()
    assert feed["items"] == [] and feed["unread_count"] == 0


def test_a_payment_sends_a_receipt_and_a_refund_a_notice_with_their_amounts(api, cloud):
    from tests.e2e.test_payments import Customer

    payer = Customer(api, "nrcpt")
    checkout, _ = payer.paid_checkout(25_500_000)
    refund = {"org_id": payer.org_id, "checkout_session_id": checkout["checkout_session_id"],
              "amount_micros": 10_250_000, "reason": "GPU never came up"}  # fmt: skip
    assert api.post("/v1/admin/refunds", json=refund).status_code == 201
    cloud.drain()
    address = payer.call("GET", "/v1/me").json()["user"]["email"]
    subjects = sorted(m["Subject"] for m in sent_to(cloud, address))
    assert subjects == ["[GPUaaS] nrcpt-org: Payment received: $25.50", "[GPUaaS] nrcpt-org: Refund issued: $10.25"]
    categories = {n["category"] for n in payer.call("GET", "/v1/notifications").json()["items"]}
    assert categories == {"payment_receipt", "payment_refund"}
