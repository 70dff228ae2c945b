"""The Stripe adapter without a network: webhook verification, what Stripe is asked, and how its
errors become catalog errors."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import stripe

from chalicelib.adapters.stripe_gateway import LocalStripeGateway, StripeGateway, signature_header, verify_event
from chalicelib.core import errors
from chalicelib.payments.models import CheckoutRequest

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
