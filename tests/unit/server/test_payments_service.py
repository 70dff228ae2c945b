"""Payment use cases over in-memory fakes: checkout, each provider event applied once (its effect
and its marker in one transaction), refunds that never exceed the payment, failed payments,
disputes."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from chalicelib.audit.models import Actor
from chalicelib.core import errors
from chalicelib.core.events import envelope
from chalicelib.payments.models import (
    ABANDONED,
    FAILED,
    OPEN,
    PAID,
    ChargeRefunded,
    CheckoutCompleted,
    CheckoutOpened,
    DisputeOpened,
    PaymentFailed,
    ProviderRefund,
    UnhandledEvent,
)
from chalicelib.payments.service import PaymentsService
from tests.fakes.clock import FakeClock
from tests.fakes.payments import (
    FakeCheckoutPayer,
    FakeGateway,
    FakePaymentReader,
    FakePaymentUnitOfWork,
    FakeWallets,
    PaymentStore,
)
from tests.support.contracts import validate_event

pytestmark = pytest.mark.unit

USD = 1_000_000
ORG = "org_" + "0" * 26
OPERATOR = Actor(user_id="usr_ops", org_id="org_ops", role="owner", operator=True, request_id="req-1")


class World:
    def __init__(self, *, payer: FakeCheckoutPayer | None = None) -> None:
        self.store = PaymentStore()
        self.clock = FakeClock()
        self.gateway = FakeGateway()
        self.wallets = FakeWallets(self.store, self.clock)
        self.payer = payer
        self.service = PaymentsService(
            FakePaymentReader(self.store),
            lambda: FakePaymentUnitOfWork(self.store),
            self.gateway,
            self.wallets,
            self.clock,
            checkout_payer=payer,
            success_url="https://app.example/ok",
            cancel_url="https://app.example/cancel",
        )

    def deliver(self, event: object) -> str:
        payload, signature = self.gateway.sign(event)  # type: ignore[arg-type]
        return self.service.handle_webhook(payload, signature).outcome

    def paid_checkout(self, amount: int, intent: str = "pi_1") -> CheckoutOpened:
        opened = self.service.checkout(ORG, amount)
        assert self.deliver(completed(opened, intent)) == "credited"
        return opened

    def payment(self, opened: CheckoutOpened):
        return self.store.payments[opened.payment_id]


_ids = iter(range(1, 1_000_000))


def event_id() -> str:
    return f"evt_{next(_ids)}"


def completed(
    opened: CheckoutOpened, intent: str | None = "pi_1", *, paid: bool = True, **changes
) -> CheckoutCompleted:
    event = CheckoutCompleted(
        event_id=event_id(),
        type="checkout.session.completed",
        checkout_session_id=opened.checkout_session_id,
        metadata={"org_id": ORG, "payment_id": opened.payment_id},
        payment_intent_id=intent,
        client_reference_id=ORG,
        currency="usd",
        payment_mode=True,
        paid=paid,
        amount_cents=opened.amount_micros // 10_000 if paid else None,
    )
    return replace(event, **changes)


def refunded(opened: CheckoutOpened, intent: str, refunds: list[tuple[str, int]] | None) -> ChargeRefunded:
    return ChargeRefunded(
        event_id=event_id(),
        type="charge.refunded",
        charge_id=f"ch_{intent}",
        payment_intent_id=intent,
        metadata={"org_id": ORG, "payment_id": opened.payment_id},
        refunds=None
        if refunds is None
        else tuple(ProviderRefund(rid, micros // 10_000, "succeeded", intent) for rid, micros in refunds),
    )


# Checkout -----------------------------------------------------------------------------------------


def test_checkout_records_the_payment_opens_it_and_makes_one_customer_per_org():
    world = World()
    opened = world.service.checkout(ORG, 25 * USD)
    assert isinstance(opened, CheckoutOpened) and opened.currency == "USD" and opened.amount_micros == 25 * USD
    assert opened.url.endswith(opened.checkout_session_id)
    payment = world.payment(opened)
    assert payment.status == OPEN and payment.checkout_session_id == opened.checkout_session_id
    assert FakePaymentReader(world.store).find("stripe", opened.checkout_session_id) == payment
    world.service.checkout(ORG, 10 * USD)
    assert world.gateway.customers == [ORG]  # the second checkout reuses the org's customer
    assert world.store.balance(ORG) == 0  # nothing is credited before the provider says it is paid


@pytest.mark.parametrize("amount", [4 * USD, 5 * USD + 1, 20_000 * USD])
def test_checkout_amounts_outside_the_policy_are_refused(amount):
    with pytest.raises(errors.ValidationFailedError):
        World().service.checkout(ORG, amount)


def test_a_checkout_the_provider_refuses_is_abandoned():
    world = World()
    world.gateway.fail_checkout = errors.PaymentsUnavailableError()
    with pytest.raises(errors.PaymentsUnavailableError):
        world.service.checkout(ORG, 10 * USD)
    [payment] = world.store.payments.values()
    assert payment.status == ABANDONED


# The webhook: once, in one transaction --------------------------------------------------------------


def test_a_paid_checkout_is_one_transaction_and_a_redelivery_does_nothing():
    world = World()
    opened = world.service.checkout(ORG, 25 * USD)
    event = completed(opened)
    before = world.store.transactions
    assert world.deliver(event) == "credited"
    # The payment, its PaymentIntent, the ledger entry, the wallet, billing's event and the marker.
    assert world.store.transactions == before + 1
    payment = world.payment(opened)
    assert (payment.status, payment.paid_micros, payment.payment_intent_id) == (PAID, 25 * USD, "pi_1")
    assert world.store.balance(ORG) == 25 * USD
    assert world.store.entry_ids(ORG) == [f"topup:{opened.checkout_session_id}"]
    assert world.store.markers[("stripe", event.event_id)] == "credited"
    assert [e.type for e in world.store.outbox] == ["billing.credited"]
    assert world.wallets.alerts == [ORG]

    snapshot = world.store.transactions
    assert world.deliver(event) == "duplicate"
    assert world.store.transactions == snapshot
    # The same fact under another event id (a resend, or async_payment_succeeded): no second credit.
    assert world.deliver(completed(opened, type="checkout.session.async_payment_succeeded")) == "already_credited"
    assert world.store.balance(ORG) == 25 * USD


def test_one_event_delivered_ten_times_at_once_credits_once():
    world = World()
    opened = world.service.checkout(ORG, 40 * USD)
    payload, signature = world.gateway.sign(completed(opened))
    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(lambda _: world.service.handle_webhook(payload, signature).outcome, range(10)))
    assert outcomes.count("credited") == 1
    assert set(outcomes) <= {"credited", "already_credited", "duplicate"}
    assert world.store.balance(ORG) == 40 * USD
    assert len(world.store.outbox) == 1


def test_an_entry_posted_before_is_not_posted_again_and_the_payment_still_becomes_paid():
    world = World()
    opened = world.service.checkout(ORG, 30 * USD)
    first = completed(opened)
    world.deliver(first)
    # As if the entry had been posted by an earlier attempt that did not mark the payment paid.
    world.store.payments[opened.payment_id] = replace(world.payment(opened), status=OPEN, paid_micros=None)
    again = completed(opened)
    assert world.deliver(again) == "already_credited"
    assert world.payment(opened).status == PAID and world.store.balance(ORG) == 30 * USD
    assert world.store.markers[("stripe", again.event_id)] == "already_credited"


def test_a_delayed_payment_waits_and_unknown_or_foreign_checkouts_move_nothing():
    world = World()
    opened = world.service.checkout(ORG, 10 * USD)
    assert world.deliver(completed(opened, paid=False)) == "awaiting_payment"
    assert world.payment(opened).payment_intent_id == "pi_1"  # filed already: refunds name only that
    assert world.deliver(completed(opened, metadata={}, checkout_session_id="cs_nope", intent="pi_9")) == (
        "unknown_payment"
    )
    assert world.deliver(completed(opened, client_reference_id="org_other")) == "mismatch"
    assert world.deliver(completed(opened, currency="eur")) == "mismatch"
    assert world.deliver(completed(opened, payment_mode=False)) == "ignored"
    assert world.store.balance(ORG) == 0


def test_unhandled_types_and_bad_signatures_write_nothing():
    world = World()
    snapshot = world.store.transactions
    assert world.deliver(UnhandledEvent("evt_x", "customer.created")) == "ignored"
    payload, _ = world.gateway.sign(UnhandledEvent("evt_y", "customer.created"))
    with pytest.raises(errors.InvalidSignatureError):
        world.service.handle_webhook(payload, "t=1,v1=forged")
    assert world.store.transactions == snapshot and not world.store.markers


# Failed payments ----------------------------------------------------------------------------------


def _failed(opened: CheckoutOpened, intent: str = "pi_f") -> PaymentFailed:
    return PaymentFailed(
        event_id=event_id(),
        type="payment_intent.payment_failed",
        payment_intent_id=intent,
        metadata={"org_id": ORG, "payment_id": opened.payment_id},
        failure_code="insufficient_funds",
        failure_message="Declined",
    )


def test_a_failed_payment_is_recorded_and_announced_once_without_money():
    world = World()
    opened = world.service.checkout(ORG, 12 * USD)
    event = _failed(opened)
    before = world.store.transactions
    assert world.deliver(event) == "recorded"
    assert world.store.transactions == before + 1
    assert world.deliver(event) == "duplicate"
    payment = world.payment(opened)
    assert payment.status == FAILED and payment.payment_intent_id == "pi_f"
    assert payment.failure == {"code": "insufficient_funds", "message": "Declined", "provider_event_id": event.event_id}
    [announced] = world.store.outbox
    wire = json.loads(json.dumps(envelope(announced, source_prefix="gpuaas", time=world.clock.now())))
    validate_event(wire)  # events/schemas/payment.failed.json
    assert wire["data"]["failure_code"] == "insufficient_funds" and world.store.balance(ORG) == 0
    # The customer pays with another card; a late failure report then changes nothing.
    assert world.deliver(completed(opened, "pi_f")) == "credited"
    assert world.deliver(_failed(opened)) == "ignored"
    assert world.payment(opened).status == PAID and world.store.balance(ORG) == 12 * USD


# Refunds ------------------------------------------------------------------------------------------


def test_an_admin_refund_debits_once_is_audited_and_the_providers_report_of_it_moves_nothing():
    world = World()
    opened = world.paid_checkout(30 * USD)
    made = world.service.refund(OPERATOR, ORG, opened.payment_id, 10 * USD, "GPU never came up", idempotency_key="k1")
    assert made.refund.amount_micros == 10 * USD and made.checkout_session_id == opened.checkout_session_id
    assert made.payment_intent_id == "pi_1" and made.refund.ledger_entry_id == f"refund:{made.refund.id}"
    assert world.store.balance(ORG) == 20 * USD
    [audit] = [a for a in world.store.audit if a.action == "admin:refunds:create"]
    assert audit.before["status"] == PAID and audit.after["ledger_entry_id"] == made.refund.ledger_entry_id

    assert world.deliver(refunded(opened, "pi_1", [(made.refund.id, 10 * USD)])) == "refunded"
    assert world.store.balance(ORG) == 20 * USD and world.payment(opened).refunded_micros == 10 * USD
    with pytest.raises(errors.RefundExceedsPaymentError):
        world.service.refund(OPERATOR, ORG, opened.checkout_session_id, 21 * USD, "too much", idempotency_key="k2")


def test_concurrent_refunds_never_exceed_the_payment():
    world = World()
    opened = world.paid_checkout(30 * USD)

    def refund(i: int) -> str:
        try:
            world.service.refund(OPERATOR, ORG, opened.payment_id, 10 * USD, "race", idempotency_key=f"k{i}")
        except errors.RefundExceedsPaymentError:
            return "exceeds"
        return "refunded"

    with ThreadPoolExecutor(max_workers=5) as pool:
        outcomes = sorted(pool.map(refund, range(5)))
    assert outcomes == ["exceeds", "exceeds", "refunded", "refunded", "refunded"]
    assert world.store.balance(ORG) == 0 and world.payment(opened).refunded_micros == 30 * USD


def test_a_refund_the_provider_refuses_gives_its_reservation_back():
    world = World()
    opened = world.paid_checkout(20 * USD)
    world.gateway.fail_refund = errors.PaymentsUnavailableError()
    with pytest.raises(errors.PaymentsUnavailableError):
        world.service.refund(OPERATOR, ORG, opened.payment_id, 5 * USD, "x", idempotency_key="k")
    assert world.payment(opened).refunded_micros == 0 and world.store.balance(ORG) == 20 * USD


def test_unpaid_or_foreign_payments_have_nothing_to_refund():
    world = World()
    unpaid = world.service.checkout(ORG, 5 * USD)
    with pytest.raises(errors.RefundExceedsPaymentError):
        world.service.refund(OPERATOR, ORG, unpaid.payment_id, 1 * USD, "x", idempotency_key="k")
    with pytest.raises(errors.PaymentNotFoundError):
        world.service.refund(OPERATOR, "org_" + "1" * 26, unpaid.payment_id, 1 * USD, "x", idempotency_key="k")


def test_refunds_reported_before_the_payment_and_several_at_once_each_move_once():
    world = World()
    opened = world.service.checkout(ORG, 50 * USD)
    # Not embedded in the event: the use case asks the provider for the charge's refunds.
    world.gateway.charge_refunds["ch_pi_o"] = [
        ProviderRefund("re_a", 1000, "succeeded"),
        ProviderRefund("re_b", 500, "pending"),
        ProviderRefund("re_c", 700, "failed"),  # no money moved
    ]
    event = refunded(opened, "pi_o", None)
    assert world.deliver(event) == "refunded"
    assert world.store.balance(ORG) == -15 * USD
    assert set(world.store.entry_ids(ORG)) == {"refund:re_a", "refund:re_b"}
    assert world.payment(opened).payment_intent_id == "pi_o"
    assert world.deliver(completed(opened, "pi_o")) == "credited"
    assert world.deliver(refunded(opened, "pi_o", [("re_a", 10 * USD), ("re_b", 5 * USD)])) == "refunded"
    assert world.store.balance(ORG) == 35 * USD and world.payment(opened).refunded_micros == 15 * USD


# Disputes -----------------------------------------------------------------------------------------


def test_a_dispute_freezes_the_org_and_debits_once():
    world = World()
    world.paid_checkout(60 * USD, intent="pi_d")
    world.gateway.intent_metadata["pi_d"] = {}  # found through the PaymentIntent filed at payment
    dispute = DisputeOpened(event_id(), "charge.dispute.created", "dp_1", "pi_d", "ch_d", {}, 6000, "fraudulent")
    assert world.deliver(dispute) == "disputed"
    assert world.deliver(dispute) == "duplicate"
    assert world.store.wallets[ORG].frozen_reason == "dispute dp_1"
    assert world.store.balance(ORG) == 0 and "dispute:dp_1" in world.store.entry_ids(ORG)


# Paying a checkout locally --------------------------------------------------------------------------


def test_only_a_stage_with_a_payer_pays_checkouts_itself():
    world = World()
    opened = world.service.checkout(ORG, 5 * USD)
    with pytest.raises(errors.ServiceUnavailableError):
        world.service.complete_local_checkout(opened.checkout_session_id, "http://api/v1/webhooks/stripe")
    payer = FakeCheckoutPayer()
    local = World(payer=payer)
    opened = local.service.checkout(ORG, 5 * USD)
    local.service.complete_local_checkout(opened.checkout_session_id, "http://api/v1/webhooks/stripe")
    assert payer.paid == [(opened.payment_id, "http://api/v1/webhooks/stripe")]
    with pytest.raises(errors.PaymentNotFoundError):
        local.service.complete_local_checkout("cs_nope", "http://api/v1/webhooks/stripe")
