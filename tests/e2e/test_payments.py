"""Payments on the local cloud: Stripe Checkout top-ups, Stripe's signed webhooks (each effect once,
in any order, however often delivered), the operator's refunds, disputes.

The local stage's Stripe makes ids up and pays a checkout through a dev route, which sends the
signed ``checkout.session.completed`` event to the real webhook over HTTP. The other events are
built here as Stripe sends them and signed with the stripe library's own signer and the secret
the local cloud generated for this run.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
import stripe

from chalicelib import bootstrap
from chalicelib.core.settings import get_settings
from tests.e2e.fleet_helpers import new_public_key
from tests.e2e.helpers import items_of_type, sku_body, table_items
from tests.support.contracts import validate_event

pytestmark = pytest.mark.e2e

USD = 1_000_000  # micros
CENT = 10_000


# Customers -----------------------------------------------------------------------------------


class Customer:
    def __init__(self, api, name: str, role: str = "owner") -> None:
        self.api = api
        self.headers = {"Authorization": f"Bearer {api.token(role, user=f'{name}-{role}', org=f'{name}-org')}"}
        self.org_id = self.call("GET", "/v1/me").json()["org"]["id"]

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.api.request(method, path, role=None, headers=headers, **kwargs)

    def balance(self) -> int:
        r = self.call("GET", "/v1/billing/balance")
        assert r.status_code == 200, r.text
        return r.json()["balance_micros"]

    def ledger(self) -> list[dict]:
        r = self.call("GET", "/v1/billing/ledger?limit=200")
        assert r.status_code == 200, r.text
        return r.json()["items"]

    def entries(self, entry_id: str) -> list[dict]:
        return [e for e in self.ledger() if e["id"] == entry_id]

    def checkout(self, amount_micros: int, **body: Any) -> dict:
        r = self.call("POST", "/v1/billing/checkout", json={"amount_micros": amount_micros, **body})
        assert r.status_code == 201, r.text
        return r.json()

    def paid_checkout(self, amount_micros: int) -> tuple[dict, dict]:
        """A checkout, paid through the local Stripe: (checkout, what the dev route delivered)."""
        checkout = self.checkout(amount_micros)
        completed = pay(self.api, checkout)
        assert completed["webhook_status"] == 200, completed
        return checkout, completed


def pay(api, checkout: dict) -> dict:
    r = api.session.post(checkout["url"], timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


# Stripe's events ----------------------------------------------------------------------------


def event(type_: str, obj: dict, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_test_{uuid.uuid4().hex}",
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": type_,
    }


def session_completed(customer: Customer, checkout: dict, payment_intent: str) -> dict:
    cents = checkout["amount_micros"] // CENT
    metadata = {"org_id": customer.org_id, "payment_id": checkout["payment_id"]}
    return event(
        "checkout.session.completed",
        {
            "id": checkout["checkout_session_id"],
            "object": "checkout.session",
            "amount_total": cents,
            "client_reference_id": customer.org_id,
            "currency": "usd",
            "metadata": metadata,
            "mode": "payment",
            "payment_intent": payment_intent,
            "payment_status": "paid",
            "status": "complete",
        },
    )


def charge_refunded(customer: Customer, checkout: dict, payment_intent: str, refunds: list[tuple[str, int]]) -> dict:
    """A charge.refunded as Stripe sends it: the charge carries its PaymentIntent's metadata."""
    return event(
        "charge.refunded",
        {
            "id": f"ch_{payment_intent}",
            "object": "charge",
            "amount": checkout["amount_micros"] // CENT,
            "amount_refunded": sum(micros for _, micros in refunds) // CENT,
            "currency": "usd",
            "metadata": {"org_id": customer.org_id, "payment_id": checkout["payment_id"]},
            "payment_intent": payment_intent,
            "refunded": True,
            "refunds": {
                "object": "list",
                "data": [
                    {"id": rid, "object": "refund", "amount": micros // CENT, "status": "succeeded"}
                    for rid, micros in refunds
                ],
                "has_more": False,
            },
        },
    )


def dispute_created(payment_intent: str, micros: int) -> dict:
    return event(
        "charge.dispute.created",
        {
            "id": f"dp_test_{uuid.uuid4().hex[:12]}",
            "object": "dispute",
            "amount": micros // CENT,
            "charge": f"ch_{payment_intent}",
            "currency": "usd",
            "payment_intent": payment_intent,
            "reason": "fraudulent",
            "status": "needs_response",
            "metadata": {},
        },
    )


def signed(payload: bytes, *, secret: str | None = None, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(
        payload.decode(), secret or get_settings().stripe_webhook_secret, timestamp
    )


def deliver(api, evt: dict | bytes, signature: str | None = "sign", **sign: Any) -> requests.Response:
    payload = evt if isinstance(evt, bytes) else json.dumps(evt).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        headers["Stripe-Signature"] = signed(payload, **sign)
    elif signature is not None:
        headers["Stripe-Signature"] = signature
    return requests.post(f"{api.base_url}/v1/webhooks/stripe", data=payload, headers=headers, timeout=30)


def outcome(response: requests.Response) -> str:
    assert response.status_code == 200, response.text
    assert response.json()["received"] is True
    return response.json()["outcome"]


def payment_item(table: str, payment_id: str) -> dict:
    [item] = [i for i in items_of_type(table, "payment") if i["id"]["S"] == payment_id]
    return item


# Checkout -----------------------------------------------------------------------------------


def test_checkout_then_payment_credits_once_and_the_customer_is_reused(api, table):
    alice = Customer(api, "pay-checkout")
    before = alice.balance()
    checkout = alice.checkout(25 * USD)
    assert checkout["amount_micros"] == 25 * USD and checkout["currency"] == "USD"
    assert checkout["checkout_session_id"].startswith("cs_local_")
    assert checkout["url"] == f"{api.base_url}/v1/dev/stripe/checkout/{checkout['checkout_session_id']}/complete"
    assert alice.balance() == before  # nothing until Stripe says it is paid

    completed = pay(api, checkout)
    assert completed["webhook_status"] == 200 and completed["webhook_response"]["outcome"] == "credited"
    assert completed["payment_intent_id"].startswith("pi_local_")
    assert alice.balance() == before + 25 * USD
    [entry] = alice.entries(f"topup:{checkout['checkout_session_id']}")
    assert entry["kind"] == "topup" and entry["wallet_delta_micros"] == 25 * USD
    assert {line["account"]: line["amount_micros"] for line in entry["lines"]} == {
        "wallet": 25 * USD,
        "stripe_clearing": -25 * USD,
    }
    # Paying the same checkout again (a second event about it) moves nothing.
    again = pay(api, checkout)
    assert again["event_id"] != completed["event_id"] and again["webhook_response"]["outcome"] == "already_credited"
    assert alice.balance() == before + 25 * USD
    item = payment_item(table, checkout["payment_id"])
    assert item["status"]["S"] == "paid" and int(item["paid_micros"]["N"]) == 25 * USD
    assert item["payment_intent_id"]["S"] == completed["payment_intent_id"]

    # The org's Stripe customer is made once and used for every checkout.
    second = alice.checkout(10 * USD)
    customers = {payment_item(table, c["payment_id"])["customer_id"]["S"] for c in (checkout, second)}
    assert len(customers) == 1
    [customer_id] = customers
    assert customer_id.startswith("cus_local_")
    assert bootstrap.billing_service().wallet(alice.org_id).stripe_customer_id == customer_id


@pytest.mark.parametrize(
    ("amount", "problem"),
    [
        (4 * USD, "below the policy's minimum"),
        (5 * USD + 1, "a fraction of a cent"),
        (20_000 * USD, "over the maximum"),
    ],
)
def test_checkout_amounts_outside_the_policy_are_400(api, amount, problem):
    r = Customer(api, "pay-bounds").call("POST", "/v1/billing/checkout", json={"amount_micros": amount})
    assert r.status_code == 400 and r.json()["error"]["code"] == "VALIDATION_ERROR", problem


@pytest.mark.parametrize(("role", "status"), [("billing", 201), ("admin", 201), ("member", 403), ("viewer", 403)])
def test_who_may_top_up(api, role, status):
    r = Customer(api, "pay-roles", role=role).call("POST", "/v1/billing/checkout", json={"amount_micros": 5 * USD})
    assert r.status_code == status, r.text


def test_checkout_honours_the_idempotency_key(api, table):
    bob = Customer(api, "pay-idem")
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    first = bob.call("POST", "/v1/billing/checkout", json={"amount_micros": 7 * USD}, headers=headers)
    second = bob.call("POST", "/v1/billing/checkout", json={"amount_micros": 7 * USD}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert len([i for i in items_of_type(table, "payment") if i["org_id"]["S"] == bob.org_id]) == 1


# The webhook --------------------------------------------------------------------------------


def test_one_event_delivered_ten_times_concurrently_credits_once(api, table):
    carol = Customer(api, "pay-replay")
    before = carol.balance()
    checkout = carol.checkout(40 * USD)
    evt = session_completed(carol, checkout, "pi_test_replay")
    payload = json.dumps(evt).encode()
    signature = signed(payload)
    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(lambda _: outcome(deliver(api, payload, signature)), range(10)))
    assert "credited" in outcomes
    assert set(outcomes) <= {"credited", "already_credited", "duplicate"}
    assert outcomes.count("credited") == 1
    # Once marked, a redelivery is answered without doing anything.
    assert [outcome(deliver(api, payload, signature)) for _ in range(3)] == ["duplicate"] * 3
    assert carol.balance() == before + 40 * USD
    assert len(carol.entries(f"topup:{checkout['checkout_session_id']}")) == 1
    markers = [i for i in items_of_type(table, "webhook") if i["PK"]["S"] == f"WEBHOOK#stripe#{evt['id']}"]
    # Whichever concurrent delivery finished first marked it.
    assert len(markers) == 1 and markers[0]["outcome"]["S"] in ("credited", "already_credited")


def test_events_out_of_order_apply_each_effect_once(api, table):
    dave = Customer(api, "pay-order")
    before = dave.balance()
    checkout = dave.checkout(50 * USD)
    refunded = charge_refunded(dave, checkout, "pi_test_order", [("re_test_order_1", 20 * USD)])
    completed = session_completed(dave, checkout, "pi_test_order")

    # Stripe reports the refund before the payment.
    assert outcome(deliver(api, refunded)) == "refunded"
    assert dave.balance() == before - 20 * USD
    assert outcome(deliver(api, completed)) == "credited"
    assert dave.balance() == before + 30 * USD
    # The same facts again, under new event ids (a resend from the dashboard): nothing moves.
    assert outcome(deliver(api, {**refunded, "id": f"evt_test_{uuid.uuid4().hex}"})) == "refunded"
    assert outcome(deliver(api, {**completed, "id": f"evt_test_{uuid.uuid4().hex}"})) == "already_credited"
    assert dave.balance() == before + 30 * USD
    assert len(dave.entries("refund:re_test_order_1")) == 1
    assert len(dave.entries(f"topup:{checkout['checkout_session_id']}")) == 1
    item = payment_item(table, checkout["payment_id"])
    assert item["status"]["S"] == "paid" and int(item["refunded_micros"]["N"]) == 20 * USD
    assert item["payment_intent_id"]["S"] == "pi_test_order"


def _forged(payload: bytes) -> str:
    return f"t={int(time.time())},v1={secrets.token_hex(32)}"


@pytest.mark.parametrize(
    "case",
    ["forged", "wrong secret", "stale", "missing header", "tampered body", "garbage header", "not utf-8"],
)
def test_a_bad_signature_is_400_and_writes_nothing(api, table, case):
    erin = Customer(api, "pay-forged")
    checkout = erin.checkout(30 * USD)
    before_balance = erin.balance()
    payload = json.dumps(session_completed(erin, checkout, "pi_test_forged")).encode()
    tolerance = get_settings().stripe_webhook_tolerance_seconds
    snapshot = table_items(table)
    if case == "forged":
        r = deliver(api, payload, _forged(payload))
    elif case == "wrong secret":
        r = deliver(api, payload, secret="whsec_" + secrets.token_hex(24))
    elif case == "stale":
        r = deliver(api, payload, timestamp=int(time.time()) - tolerance - 5)
    elif case == "missing header":
        r = deliver(api, payload, None)
    elif case == "tampered body":
        r = deliver(api, payload.replace(b'"amount_total": 3000', b'"amount_total": 300000'), signed(payload))
    elif case == "garbage header":
        r = deliver(api, payload, "v1=abc")
    else:
        bad = b"\xff\xfe" + payload
        r = deliver(api, bad, signed(payload))
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "INVALID_SIGNATURE"
    assert table_items(table) == snapshot  # no ledger entry, no marker, no payment change, nothing
    assert erin.balance() == before_balance


def test_unknown_event_types_are_acknowledged_and_ignored(api, table):
    snapshot = table_items(table, with_rate_counters=True)
    r = deliver(api, event("customer.created", {"id": "cus_x", "object": "customer"}))
    assert outcome(r) == "ignored"
    assert "RateLimit-Limit" not in r.headers  # Stripe's events never spend a rate budget
    assert table_items(table, with_rate_counters=True) == snapshot


def test_a_failed_payment_is_recorded_and_announced_without_money(api, table):
    fay = Customer(api, "pay-failed")
    checkout = fay.checkout(12 * USD)
    before = fay.balance()
    intent = {
        "id": "pi_test_failed",
        "object": "payment_intent",
        "amount": 1200,
        "currency": "usd",
        "metadata": {"org_id": fay.org_id, "payment_id": checkout["payment_id"]},
        "last_payment_error": {"code": "card_declined", "decline_code": "insufficient_funds", "message": "Declined"},
        "status": "requires_payment_method",
    }
    evt = event("payment_intent.payment_failed", intent)
    assert outcome(deliver(api, evt)) == "recorded"
    assert outcome(deliver(api, evt)) == "duplicate"
    assert fay.balance() == before
    item = payment_item(table, checkout["payment_id"])
    assert item["status"]["S"] == "failed" and item["payment_intent_id"]["S"] == "pi_test_failed"
    envelopes = [json.loads(i["envelope"]["S"]) for i in items_of_type(table, "outbox")]
    announced = [e for e in envelopes if e["type"] == "payment.failed" and e["subject"] == checkout["payment_id"]]
    assert len(announced) == 1
    assert announced[0]["data"]["failure_code"] == "insufficient_funds"
    validate_event(announced[0])  # as events/schemas/payment.failed.json describes it
    # The customer can still pay with another card.
    assert outcome(deliver(api, session_completed(fay, checkout, "pi_test_failed"))) == "credited"
    assert fay.balance() == before + 12 * USD


# Refunds ------------------------------------------------------------------------------------


def test_admin_refund_debits_once_is_audited_and_cannot_exceed_the_payment(api, table):
    gus = Customer(api, "pay-refund")
    checkout, completed = gus.paid_checkout(30 * USD)
    paid = gus.balance()
    body = {
        "org_id": gus.org_id,
        "checkout_session_id": checkout["checkout_session_id"],
        "amount_micros": 10 * USD,
        "reason": "GPU never came up",
    }
    r = api.post("/v1/admin/refunds", json=body)
    assert r.status_code == 201, r.text
    refund = r.json()
    assert refund["id"].startswith("re_local_") and refund["amount_micros"] == 10 * USD
    assert refund["ledger_entry_id"] == f"refund:{refund['id']}" and refund["payment_id"] == checkout["payment_id"]
    assert gus.balance() == paid - 10 * USD
    [entry] = gus.entries(refund["ledger_entry_id"])
    assert entry["kind"] == "refund" and entry["wallet_delta_micros"] == -10 * USD

    trail = api.get("/v1/admin/audit?limit=200").json()["items"]
    actions = {a["action"] for a in trail if a["request_id"] == r.headers["X-Request-Id"]}
    assert {"admin:refunds:create", "billing:refund"} <= actions

    # More than what is left (20 USD) is refused, whichever way the payment is named.
    over = api.post("/v1/admin/refunds", json={**body, "amount_micros": 25 * USD})
    assert over.status_code == 409 and over.json()["error"]["code"] == "REFUND_EXCEEDS_PAYMENT"
    by_id = {**body, "amount_micros": 21 * USD, "payment_id": checkout["payment_id"]}
    del by_id["checkout_session_id"]
    over = api.post("/v1/admin/refunds", json=by_id)
    assert over.status_code == 409 and over.json()["error"]["code"] == "REFUND_EXCEEDS_PAYMENT"

    # Stripe then reports the same refund: the same entry id, so no second debit.
    evt = charge_refunded(gus, checkout, completed["payment_intent_id"], [(refund["id"], 10 * USD)])
    assert outcome(deliver(api, evt)) == "refunded"
    assert gus.balance() == paid - 10 * USD
    assert len(gus.entries(refund["ledger_entry_id"])) == 1
    assert int(payment_item(table, checkout["payment_id"])["refunded_micros"]["N"]) == 10 * USD

    # The rest can still be refunded, exactly.
    rest = api.post("/v1/admin/refunds", json={**body, "amount_micros": 20 * USD})
    assert rest.status_code == 201, rest.text
    assert gus.balance() == paid - 30 * USD
    nothing_left = api.post("/v1/admin/refunds", json={**body, "amount_micros": 1 * CENT})
    assert nothing_left.status_code == 409


def test_concurrent_refunds_never_exceed_the_payment(api, table):
    kim = Customer(api, "pay-refund-race")
    checkout, _ = kim.paid_checkout(30 * USD)
    paid = kim.balance()
    body = {"org_id": kim.org_id, "payment_id": checkout["payment_id"], "amount_micros": 10 * USD, "reason": "race"}
    with ThreadPoolExecutor(max_workers=5) as pool:
        responses = list(pool.map(lambda _: api.post("/v1/admin/refunds", json=body), range(5)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 201, 201, 409, 409], [r.text for r in responses]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"REFUND_EXCEEDS_PAYMENT"}
    assert kim.balance() == paid - 30 * USD
    assert int(payment_item(table, checkout["payment_id"])["refunded_micros"]["N"]) == 30 * USD


def test_a_refund_request_sent_twice_with_its_key_refunds_once(api):
    hal = Customer(api, "pay-refund-key")
    checkout, _ = hal.paid_checkout(20 * USD)
    paid = hal.balance()
    body = {"org_id": hal.org_id, "payment_id": checkout["payment_id"], "amount_micros": 5 * USD, "reason": "dup"}
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    first = api.post("/v1/admin/refunds", json=body, headers=headers)
    second = api.post("/v1/admin/refunds", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert hal.balance() == paid - 5 * USD


def test_refunds_of_unknown_or_foreign_payments_are_404_and_only_operators_refund(api):
    ivy = Customer(api, "pay-refund-ivy")
    checkout, _ = ivy.paid_checkout(10 * USD)
    other = Customer(api, "pay-refund-other")
    body = {"checkout_session_id": checkout["checkout_session_id"], "amount_micros": 1 * USD, "reason": "x"}
    r = api.post("/v1/admin/refunds", json={**body, "org_id": other.org_id})
    assert r.status_code == 404 and r.json()["error"]["code"] == "PAYMENT_NOT_FOUND"
    r = api.post("/v1/admin/refunds", json={**body, "org_id": ivy.org_id, "checkout_session_id": "cs_local_nope"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "PAYMENT_NOT_FOUND"
    r = ivy.call("POST", "/v1/admin/refunds", json={**body, "org_id": ivy.org_id})
    assert r.status_code == 403
    # A checkout that was never paid has nothing to refund.
    unpaid = ivy.checkout(5 * USD)
    body = {"org_id": ivy.org_id, "payment_id": unpaid["payment_id"], "amount_micros": 1 * USD, "reason": "x"}
    r = api.post("/v1/admin/refunds", json=body)
    assert r.status_code == 409 and r.json()["error"]["code"] == "REFUND_EXCEEDS_PAYMENT"


# Disputes -----------------------------------------------------------------------------------


def test_a_dispute_freezes_the_org_and_debits_the_disputed_amount(api):
    jo = Customer(api, "pay-dispute")
    r = jo.call("POST", "/v1/ssh-keys", json={"name": "laptop", "public_key": new_public_key()})
    assert r.status_code == 201, r.text
    _, completed = jo.paid_checkout(60 * USD)
    paid = jo.balance()
    evt = dispute_created(completed["payment_intent_id"], 60 * USD)
    assert outcome(deliver(api, evt)) == "disputed"
    assert outcome(deliver(api, evt)) == "duplicate"
    balance = jo.call("GET", "/v1/billing/balance").json()
    assert balance["frozen"] is True and balance["frozen_reason"] == f"dispute {evt['data']['object']['id']}"
    assert balance["balance_micros"] == paid - 60 * USD
    [entry] = jo.entries(f"dispute:{evt['data']['object']['id']}")
    assert entry["kind"] == "dispute" and entry["wallet_delta_micros"] == -60 * USD

    # A frozen org rents nothing new.
    sku = api.post("/v1/admin/skus", json=sku_body(name="dispute-sku")).json()
    image = {"name": "dispute-img", "family": "ubuntu", "version": "22.04", "container_image": "nvidia/cuda:12"}
    image = api.post("/v1/admin/os-images", json=image).json()
    r = jo.call(
        "POST",
        "/v1/allocations",
        json={"sku_id": sku["id"], "os_image_id": image["id"]},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "ACCOUNT_FROZEN", r.text
