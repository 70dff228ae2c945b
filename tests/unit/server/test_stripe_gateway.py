"""The Stripe adapter without a network: webhook verification, what Stripe is asked, and how its
errors become catalog errors."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import stripe

from chalicelib.adapters.stripe_gateway import StripeGateway, parse_event, signature_header, verify_event
from chalicelib.core import errors
from chalicelib.payments.models import (
    ChargeRefunded,
    CheckoutCompleted,
    CheckoutRequest,
    DisputeOpened,
    PaymentFailed,
    ProviderRefund,
    UnhandledEvent,
)
from localcloud.local_stripe import LocalStripeGateway

pytestmark = pytest.mark.unit

SECRET = "whsec_unit_test_secret"
EVENT = {"id": "evt_1", "object": "event", "type": "checkout.session.completed", "data": {"object": {"id": "cs_1"}}}
PAYLOAD = json.dumps(EVENT).encode()


def stripe_signed(payload: bytes, secret: str = SECRET, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(payload.decode(), secret, timestamp)


def test_a_correctly_signed_event_is_returned_as_a_plain_dict():
    assert verify_event(PAYLOAD, stripe_signed(PAYLOAD), SECRET, 300) == EVENT


def test_the_local_signer_signs_exactly_as_stripe_does():
    now = int(time.time())
    assert signature_header(PAYLOAD, SECRET, now) == stripe_signed(PAYLOAD, timestamp=now)
    assert verify_event(PAYLOAD, signature_header(PAYLOAD, SECRET), SECRET, 300) == EVENT


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "t=1,v1=00",
        "garbage",
        stripe_signed(PAYLOAD, secret="whsec_other"),
        stripe_signed(PAYLOAD, timestamp=int(time.time()) - 301),
        stripe_signed(PAYLOAD + b" "),
    ],
    ids=["missing", "empty", "forged", "garbage", "wrong-secret", "stale", "other-body"],
)
def test_anything_else_is_an_invalid_signature(signature):
    with pytest.raises(errors.InvalidSignatureError):
        verify_event(PAYLOAD, signature, SECRET, 300)


def test_no_configured_secret_is_our_fault_not_the_senders():
    with pytest.raises(errors.PaymentsUnavailableError):
        verify_event(PAYLOAD, stripe_signed(PAYLOAD), "", 300)


def test_a_signed_body_that_is_not_an_event_is_refused():
    with pytest.raises(errors.MalformedJsonError):
        verify_event(b"not json", stripe_signed(b"not json"), SECRET, 300)
    with pytest.raises(errors.ValidationFailedError):
        verify_event(b"[1]", stripe_signed(b"[1]"), SECRET, 300)


def _request(**overrides: Any) -> CheckoutRequest:
    values: dict[str, Any] = {
        "payment_id": "pay_1",
        "org_id": "org_1",
        "customer_id": "cus_1",
        "amount_micros": 25_000_000,
        "currency": "USD",
        "success_url": "https://app.example/ok",
        "cancel_url": "https://app.example/cancel",
    }
    return CheckoutRequest(**{**values, **overrides})


def _gateway(key: str = "sk_test_unit") -> StripeGateway:
    return StripeGateway(lambda: key, lambda: SECRET, tolerance_seconds=300)


def test_a_checkout_session_names_the_org_the_payment_and_the_amount_in_cents(monkeypatch):
    calls: list[dict[str, Any]] = []

    def create(**params: Any) -> dict[str, Any]:
        calls.append(params)
        return stripe.StripeObject.construct_from(
            {"id": "cs_test_1", "url": "https://checkout.stripe.com/x"}, "sk_test_unit"
        )

    monkeypatch.setattr(stripe.checkout.Session, "create", create)
    session = _gateway().create_checkout_session(_request(), idempotency_key="gpuaas-checkout-pay_1")
    assert (session.id, session.url, session.payment_intent_id) == ("cs_test_1", "https://checkout.stripe.com/x", None)
    [params] = calls
    metadata = {"org_id": "org_1", "payment_id": "pay_1", "amount_micros": "25000000"}
    assert params["api_key"] == "sk_test_unit" and params["idempotency_key"] == "gpuaas-checkout-pay_1"
    assert params["mode"] == "payment" and params["customer"] == "cus_1" and params["client_reference_id"] == "org_1"
    assert params["metadata"] == metadata and params["payment_intent_data"] == {"metadata": metadata}
    [item] = params["line_items"]
    assert item["quantity"] == 1
    assert item["price_data"]["unit_amount"] == 2500 and item["price_data"]["currency"] == "usd"


def test_checkout_needs_return_urls_and_a_key():
    with pytest.raises(errors.ValidationFailedError):
        _gateway().create_checkout_session(_request(success_url=""), idempotency_key="k")
    with pytest.raises(errors.PaymentsUnavailableError):
        _gateway(key="").create_checkout_session(_request(), idempotency_key="k")


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (
            stripe.InvalidRequestError("already", param="amount", code="charge_already_refunded"),
            "REFUND_EXCEEDS_PAYMENT",
        ),
        (stripe.InvalidRequestError("bad", param="payment_intent", code="resource_missing"), "VALIDATION_ERROR"),
        (stripe.APIConnectionError("down"), "PAYMENTS_UNAVAILABLE"),
        (stripe.RateLimitError("slow down"), "PAYMENTS_UNAVAILABLE"),
        (stripe.AuthenticationError("bad key"), "PAYMENTS_UNAVAILABLE"),
    ],
)
def test_stripe_errors_become_catalog_errors(monkeypatch, exc, expected):
    def create(**params: Any) -> None:
        raise exc

    monkeypatch.setattr(stripe.Refund, "create", create)
    with pytest.raises(errors.AppError) as caught:
        _gateway().create_refund("pi_1", 100, idempotency_key="k", metadata={})
    assert caught.value.code == expected


def test_a_refund_asks_for_the_payment_intent_and_cents_under_the_key(monkeypatch):
    calls: list[dict[str, Any]] = []

    def create(**params: Any) -> Any:
        calls.append(params)
        return stripe.StripeObject.construct_from({"id": "re_1", "amount": 1000, "status": "succeeded"}, "sk_test_unit")

    monkeypatch.setattr(stripe.Refund, "create", create)
    refund = _gateway().create_refund("pi_1", 1000, idempotency_key="gpuaas-refund-x", metadata={"payment_id": "p"})
    assert (refund.id, refund.amount_micros, refund.counts) == ("re_1", 10_000_000, True)
    [params] = calls
    assert params["payment_intent"] == "pi_1" and params["amount"] == 1000
    assert params["idempotency_key"] == "gpuaas-refund-x"


def test_the_local_stripe_makes_ids_up_and_repeats_itself_for_the_same_key():
    local = LocalStripeGateway(lambda: SECRET, tolerance_seconds=300)
    assert local.create_customer("org_1", idempotency_key="a") == local.create_customer("org_1", idempotency_key="a")
    assert local.create_customer("org_1", idempotency_key="a").startswith("cus_local_")
    session = local.create_checkout_session(_request(api_base_url="http://127.0.0.1:9"), idempotency_key="k")
    assert session.id.startswith("cs_local_")
    assert session.url == f"http://127.0.0.1:9/v1/dev/stripe/checkout/{session.id}/complete"
    first = local.create_refund("pi_local_1", 100, idempotency_key="r1", metadata={})
    assert first.id.startswith("re_local_")
    assert local.create_refund("pi_local_1", 100, idempotency_key="r1", metadata={}) == first
    assert local.create_refund("pi_local_1", 100, idempotency_key="r2", metadata={}) != first


def test_refunds_of_a_charge_and_the_metadata_of_a_payment_intent_are_read_as_plain_data(monkeypatch):
    class Page:
        def auto_paging_iter(self):
            for i in range(3):
                yield stripe.StripeObject.construct_from({"id": f"re_{i}", "amount": 100, "status": "succeeded"}, "k")

    listed: list[dict[str, Any]] = []
    monkeypatch.setattr(stripe.Refund, "list", lambda **params: listed.append(params) or Page())
    intent = {"id": "pi_1", "metadata": {"payment_id": "pay_1", "org_id": "org_1"}}
    monkeypatch.setattr(
        stripe.PaymentIntent, "retrieve", lambda pid, **params: stripe.StripeObject.construct_from(intent, "k")
    )
    gateway = _gateway()
    assert [r.id for r in gateway.list_refunds("ch_1")] == ["re_0", "re_1", "re_2"]
    assert listed[0]["charge"] == "ch_1"
    assert gateway.payment_intent_metadata("pi_1") == {"payment_id": "pay_1", "org_id": "org_1"}


# Stripe's events become typed events ---------------------------------------------------------------


def _event(type_: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": "evt_9", "object": "event", "type": type_, "data": {"object": obj}}


def test_a_verified_webhook_is_handed_over_as_a_typed_event():
    event = _gateway().verify_webhook(PAYLOAD, stripe_signed(PAYLOAD))
    assert isinstance(event, CheckoutCompleted)
    assert (event.event_id, event.type, event.checkout_session_id) == ("evt_1", "checkout.session.completed", "cs_1")
    assert event.payment_mode and not event.paid and event.amount_cents is None


def test_a_completed_checkout_carries_what_the_use_case_checks():
    session = {
        "id": "cs_2",
        "object": "checkout.session",
        "amount_total": 2500,
        "client_reference_id": "org_1",
        "currency": "usd",
        "metadata": {"org_id": "org_1", "payment_id": "pay_1"},
        "mode": "payment",
        "payment_intent": {"id": "pi_2", "object": "payment_intent"},  # expanded
        "payment_status": "paid",
    }
    event = parse_event(_event("checkout.session.async_payment_succeeded", session))
    assert event == CheckoutCompleted(
        event_id="evt_9",
        type="checkout.session.async_payment_succeeded",
        checkout_session_id="cs_2",
        metadata={"org_id": "org_1", "payment_id": "pay_1"},
        payment_intent_id="pi_2",
        client_reference_id="org_1",
        currency="usd",
        payment_mode=True,
        paid=True,
        amount_cents=2500,
    )
    assert not parse_event(_event("checkout.session.completed", {**session, "mode": "setup"})).payment_mode
    with pytest.raises(errors.ValidationFailedError):
        parse_event(_event("checkout.session.completed", {k: v for k, v in session.items() if k != "amount_total"}))


def test_failed_payments_refunds_and_disputes_are_parsed():
    failed = parse_event(
        _event(
            "payment_intent.payment_failed",
            {
                "id": "pi_3",
                "metadata": {"payment_id": "pay_3"},
                "last_payment_error": {"code": "card_declined", "decline_code": "insufficient_funds", "message": "No"},
            },
        )
    )
    assert failed == PaymentFailed(
        "evt_9", "payment_intent.payment_failed", "pi_3", {"payment_id": "pay_3"}, "insufficient_funds", "No"
    )
    charge = {
        "id": "ch_4",
        "payment_intent": "pi_4",
        "metadata": {},
        "refunds": {
            "data": [{"id": "re_1", "amount": 100, "status": "succeeded"}, {"id": "re_2", "amount": 50}],
            "has_more": False,
        },
    }
    refunded = parse_event(_event("charge.refunded", charge))
    assert isinstance(refunded, ChargeRefunded) and refunded.charge_id == "ch_4"
    assert refunded.refunds == (
        ProviderRefund("re_1", 100, "succeeded", "pi_4"),
        ProviderRefund("re_2", 50, "succeeded", "pi_4"),
    )
    # Not embedded (recent API versions) or only a first page: the use case asks for the list.
    assert parse_event(_event("charge.refunded", {**charge, "refunds": None})).refunds is None
    assert (
        parse_event(_event("charge.refunded", {**charge, "refunds": {**charge["refunds"], "has_more": True}})).refunds
        is None
    )
    dispute = parse_event(
        _event(
            "charge.dispute.created",
            {"id": "dp_5", "amount": 6000, "charge": "ch_5", "payment_intent": "pi_5", "reason": "fraudulent"},
        )
    )
    assert dispute == DisputeOpened("evt_9", "charge.dispute.created", "dp_5", "pi_5", "ch_5", {}, 6000, "fraudulent")


def test_other_types_are_unhandled_and_a_handled_type_needs_its_object():
    assert parse_event(_event("customer.created", {"id": "cus_1"})) == UnhandledEvent("evt_9", "customer.created")
    with pytest.raises(errors.ValidationFailedError):
        parse_event({"id": "evt_9", "type": "charge.refunded", "data": {}})
    with pytest.raises(errors.ValidationFailedError):
        parse_event(_event("charge.dispute.created", {"id": "dp_6"}))  # no amount


def test_the_local_stripe_pays_with_the_event_stripe_would_send_and_its_own_gateway_accepts_it():
    from chalicelib.payments.models import Payment
    from localcloud.local_stripe import checkout_completed_event

    payment = Payment(
        id="pay_1",
        org_id="org_1",
        provider="stripe",
        currency="USD",
        amount_micros=25_000_000,
        status="open",
        created_at="2026-11-26T12:00:00.000Z",
        checkout_session_id="cs_local_abc",
    )
    payload = json.dumps(checkout_completed_event(payment)).encode()
    event = LocalStripeGateway(lambda: SECRET, tolerance_seconds=300).verify_webhook(
        payload, signature_header(payload, SECRET)
    )
    assert isinstance(event, CheckoutCompleted)
    assert (event.checkout_session_id, event.payment_intent_id) == ("cs_local_abc", "pi_local_abc")
    assert event.paid and event.amount_cents == 2500 and event.metadata["payment_id"] == "pay_1"


def test_the_composition_root_wires_the_stand_in_the_stage_names_only_without_a_stripe_key(monkeypatch):
    from chalicelib import bootstrap
    from chalicelib.core.settings import get_settings

    def wired(**env: str) -> object:
        for name in ("GPUAAS_PAYMENT_STAND_IN", "GPUAAS_STRIPE_SECRET_KEY", "GPUAAS_STRIPE_SECRET_KEY_SECRET_ID"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        bootstrap.payment_gateway.cache_clear()
        return bootstrap.payment_gateway()

    try:
        assert isinstance(wired(GPUAAS_PAYMENT_STAND_IN="localcloud.local_stripe"), LocalStripeGateway)
        assert isinstance(wired(), StripeGateway)
        stand_in_and_key = {
            "GPUAAS_PAYMENT_STAND_IN": "localcloud.local_stripe",
            "GPUAAS_STRIPE_SECRET_KEY": "sk_test_1",
        }
        assert isinstance(wired(**stand_in_and_key), StripeGateway)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        bootstrap.payment_gateway.cache_clear()
