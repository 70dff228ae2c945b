"""Notifications through fakes: who is told, what the emails say, exactly once per (event,
recipient), preferences and unsubscribe links, and the live stream."""

from __future__ import annotations

import json

import pytest

from chalicelib.audit.models import Actor
from chalicelib.core import errors
from chalicelib.core.public_events import PublicEvent
from chalicelib.identity.models import ADMIN, BILLING, MEMBER, OWNER, VIEWER
from chalicelib.notifications.models import Recipient, format_duration, format_money, notification_id
from chalicelib.notifications.service import notice_from, notice_of
from tests.fakes.notifications import NotificationRig, notification_rig

ORG = "org_01m8697e3xwr9jvzy4vye9hy23"
OWNER_U = Recipient("usr_" + "o" * 26, "owner@example.com", "Olga", OWNER)
ADMIN_U = Recipient("usr_" + "a" * 26, "admin@example.com", "Ari", ADMIN)
BILLING_U = Recipient("usr_" + "b" * 26, "billing@example.com", "Bea", BILLING)
MEMBER_U = Recipient("usr_" + "m" * 26, "member@example.com", "Mo", MEMBER)
VIEWER_U = Recipient("usr_" + "v" * 26, "viewer@example.com", "Vi", VIEWER)
EVERYONE = (OWNER_U, ADMIN_U, BILLING_U, MEMBER_U, VIEWER_U)


@pytest.fixture
def rig() -> NotificationRig:
    rig = notification_rig()
    rig.directory.add(ORG, "Acme Research", *EVERYONE)
    return rig


def envelope(type_: str, data: dict, event_id: str = "evt_01m8e14x4trehhrv8yn4pnsck7") -> dict:
    return {"specversion": "1.0", "id": event_id, "source": "gpuaas.test", "type": type_,
            "time": "2026-11-27T08:15:01.274Z", "subject": data.get("allocation_id", ORG), "data": data}  # fmt: skip


def low_balance(event_id: str = "evt_01m8e14x4trehhrv8yn4pnsck7") -> dict:
    return envelope(
        "billing.low_balance", {"org_id": ORG, "threshold_micros": 10_000_000, "balance_micros": 9_987_360}, event_id
    )


def public(type_: str, data: dict, event_id: str = "evt_01m8e36t2c81016sr9y6581vac") -> PublicEvent:
    return PublicEvent(event_id, type_, "2026-11-29T03:18:00.812Z", ORG, data.get("allocation_id", ORG), data)


def emailed(rig: NotificationRig) -> set[str]:
    return {e.to for e in rig.mailer.sent}


def test_money_is_formatted_from_integer_micros_half_up_to_cents():
    assert format_money(9_987_360) == "$9.99"
    assert format_money(-304_640) == "-$0.30"
    assert format_money(10_000_000) == "$10.00"
    assert format_money(1_234_567_894_999) == "$1,234,567.89"
    assert format_money(5_000) == "$0.01" and format_money(4_999) == "$0.00"
    assert format_money(2_500_000, "eur") == "€2.50" and format_money(2_500_000, "JPY") == "2.50 JPY"
    assert (
        format_duration(7_500) == "2 h 5 min" and format_duration(45 * 60) == "45 min" and format_duration(30) == "30 s"
    )


def test_a_low_balance_tells_owners_admins_and_billing_by_email_and_in_app(rig):
    delivered = rig.service.notify(notice_from(low_balance()))
    assert delivered.recipients == 3 and delivered.emails == 3 and delivered.in_app == 3
    assert emailed(rig) == {OWNER_U.email, ADMIN_U.email, BILLING_U.email}
    email = next(e for e in rig.mailer.sent if e.to == OWNER_U.email)
    assert email.subject == "[GPUaaS] Acme Research: Balance below $10.00"
    for body in (email.text, email.html):
        assert "Acme Research" in body and "$9.99" in body and "$10.00" in body and "Olga" in body
    assert email.unsubscribe_url and email.unsubscribe_url in email.text
    feed = rig.service.feed(ORG, OWNER_U.user_id, 10, None)
    [entry] = feed.items
    assert feed.unread_count == 1 and entry.id == notification_id("evt_01m8e14x4trehhrv8yn4pnsck7")
    assert entry.category == "balance_low" and entry.event_type == "balance.low" and "$9.99" in entry.body
    assert rig.service.feed(ORG, MEMBER_U.user_id, 10, None).items == []


def test_a_redelivered_event_sends_no_second_email_and_writes_no_second_entry(rig):
    notice = notice_from(low_balance())
    rig.service.notify(notice)
    again = rig.service.notify(notice)
    assert (again.emails, again.in_app) == (0, 0)
    assert len(rig.mailer.sent) == 3
    assert rig.service.feed(ORG, OWNER_U.user_id, 10, None).unread_count == 1


def test_a_failed_send_is_retried_by_the_redelivery_and_sent_once(rig):
    rig.mailer.failures = 1
    notice = notice_from(low_balance())
    with pytest.raises(RuntimeError, match="1 of 3 emails"):
        rig.service.notify(notice)
    assert len(rig.mailer.sent) == 2  # the other two went
    retry = rig.service.notify(notice)
    assert retry.emails == 1 and retry.in_app == 0
    assert sorted(e.to for e in rig.mailer.sent) == sorted([OWNER_U.email, ADMIN_U.email, BILLING_U.email])


def test_allocation_failed_tells_its_creator_and_the_owners(rig):
    data = {
        "allocation_id": "alc_" + "1" * 26,
        "org_id": ORG,
        "user_id": MEMBER_U.user_id,
        "reason": "node_unresponsive",
    }
    rig.service.notify(notice_from(envelope("allocation.failed", data)))
    assert emailed(rig) == {OWNER_U.email, MEMBER_U.email}
    assert "node_unresponsive" in rig.mailer.sent[0].text


def test_force_release_goes_to_creator_and_owners_and_cannot_be_turned_off(rig):
    with pytest.raises(errors.NotificationCategoryMandatoryError):
        rig.service.set_preferences(_actor(MEMBER_U), {"force_released": False})
    with pytest.raises(errors.NotificationCategoryMandatoryError):
        rig.service.set_preferences(_actor(MEMBER_U), {"balance_depleted": False})
    # allocation.force_released comes from the event feed's mapping; a synthetic public event here.
    data = {"org_id": ORG, "allocation_id": "alc_" + "2" * 26, "user_id": MEMBER_U.user_id}
    rig.service.notify(notice_of(public("allocation.force_released", data)))
    assert emailed(rig) == {OWNER_U.email, MEMBER_U.email}
    assert all(e.unsubscribe_url is None and "cannot be turned off" in e.text for e in rig.mailer.sent)


def test_runway_warnings_are_low_balance_notices(rig):
    data = {"org_id": ORG, "runway_seconds": 7_500, "balance_micros": 3_000_000}
    rig.service.notify(notice_of(public("allocation.expiring", data)))
    email = next(e for e in rig.mailer.sent if e.to == OWNER_U.email)
    assert "2 h 5 min" in email.subject and "$3.00" in email.text
    assert rig.service.feed(ORG, OWNER_U.user_id, 10, None).items[0].category == "balance_low"


def test_payments_and_refunds_carry_their_amounts(rig):
    topup = {"org_id": ORG, "kind": "topup", "amount_micros": 100_000_000, "currency": "USD", "description": "card"}
    refund = {"org_id": ORG, "kind": "refund", "amount_micros": -25_000_000, "currency": "USD", "description": "dup"}
    rig.service.notify(notice_from(envelope("billing.credited", topup, "evt_" + "1" * 26)))
    rig.service.notify(notice_from(envelope("billing.debited", refund, "evt_" + "2" * 26)))
    subjects = sorted({e.subject for e in rig.mailer.sent})
    assert subjects == [
        "[GPUaaS] Acme Research: Payment received: $100.00",
        "[GPUaaS] Acme Research: Refund issued: $25.00",
    ]


def test_webhook_disabled_tells_the_owners(rig):
    data = {"org_id": ORG, "webhook": {"id": "whk_" + "3" * 26, "url": "https://hooks.example.com/x",
                                       "description": "<b>ops</b>"}, "reason": "gone"}  # fmt: skip
    rig.service.notify(notice_from(envelope("webhook.disabled", data)))
    [email] = rig.mailer.sent
    assert email.to == OWNER_U.email and "410 Gone" in email.text and "https://hooks.example.com/x" in email.text
    assert "&lt;b&gt;ops&lt;/b&gt;" in email.html and "<b>ops</b>" not in email.html  # autoescaped


def test_events_that_tell_nobody_are_ignored(rig):
    assert notice_from(envelope("allocation.active", {"org_id": ORG, "allocation_id": "alc_" + "4" * 26})) is None
    assert notice_from(envelope("sku.created", {"sku_id": "sku_x"})) is None
    assert notice_from(envelope("billing.credited", {"org_id": ORG, "kind": "welcome"})) is None


def test_an_org_name_cannot_inject_markup_into_the_html(rig):
    rig.directory.orgs[ORG] = "<script>x</script>"
    rig.service.notify(notice_from(low_balance()))
    email = rig.mailer.sent[0]
    assert "<script>" not in email.html and "&lt;script&gt;" in email.html and "<script>x</script>" in email.text


def _actor(r: Recipient) -> Actor:
    return Actor(user_id=r.user_id, org_id=ORG, role=r.role, operator=False, request_id="req-1")


def test_a_category_turned_off_sends_no_email_but_keeps_the_feed(rig):
    prefs = rig.service.set_preferences(_actor(OWNER_U), {"balance_low": False})
    assert prefs.emails("balance_low") is False and prefs.emails("force_released") is True
    assert [a.action for a in rig.store.s.audit] == ["notifications:preferences"]
    with pytest.raises(errors.ValidationFailedError):
        rig.service.set_preferences(_actor(OWNER_U), {"nonsense": True})
    rig.service.notify(notice_from(low_balance()))
    assert OWNER_U.email not in emailed(rig)
    assert rig.service.feed(ORG, OWNER_U.user_id, 10, None).unread_count == 1


def test_the_unsubscribe_token_turns_its_category_off_and_a_changed_one_is_refused(rig):
    url = rig.service.unsubscribe_url(OWNER_U.user_id, "balance_low")
    token = url.split("token=")[1]
    with pytest.raises(errors.UnsubscribeTokenInvalidError):
        rig.service.unsubscribe(token[:-3] + ("xyz" if not token.endswith("xyz") else "abc"))
    with pytest.raises(errors.UnsubscribeTokenInvalidError):
        rig.service.unsubscribe(rig.service.unsubscribe_url(OWNER_U.user_id, "force_released").split("token=")[1])
    assert rig.service.unsubscribe(token) == (OWNER_U.user_id, "balance_low")
    assert rig.service.preferences(OWNER_U.user_id).emails("balance_low") is False
    rig.clock.advance(366 * 86400)
    with pytest.raises(errors.UnsubscribeTokenInvalidError):
        rig.service.unsubscribe(token)  # expired


def test_new_notifications_are_pushed_to_open_consoles_and_gone_ones_forgotten(rig):
    live = rig.service.open_stream(ORG, OWNER_U.user_id)
    stale = rig.service.open_stream(ORG, OWNER_U.user_id)
    rig.service.subscribe(rig.connections.open("conn-live"), live.ticket)
    rig.service.subscribe("conn-gone", stale.ticket)  # never open on the fake API: PostToConnection says gone
    with pytest.raises(errors.NotificationTicketInvalidError):
        rig.service.subscribe("conn-again", live.ticket)  # a ticket is used once
    delivered = rig.service.notify(notice_from(low_balance()))
    assert delivered.pushed == 1
    [frame] = rig.connections.received("conn-live")
    assert json.loads(frame)["notification"]["category"] == "balance_low"
    assert [s.connection_id for s in rig.store.subscribers(OWNER_U.user_id, ORG)] == ["conn-live"]
    assert rig.service.disconnect("conn-live") is True and rig.service.disconnect("conn-live") is False


def test_a_stream_ticket_expires(rig):
    issued = rig.service.open_stream(ORG, OWNER_U.user_id)
    rig.clock.advance(61)
    with pytest.raises(errors.NotificationTicketInvalidError):
        rig.service.subscribe("conn-late", issued.ticket)


def test_marking_read_counts_down_once(rig):
    rig.service.notify(notice_from(low_balance("evt_" + "5" * 26)))
    rig.service.notify(notice_from(low_balance("evt_" + "6" * 26)))
    feed = rig.service.feed(ORG, OWNER_U.user_id, 1, None)
    assert feed.unread_count == 2 and feed.items[0].id == notification_id("evt_" + "6" * 26)  # newest first
    assert feed.next_cursor is not None
    read = rig.service.mark_read(ORG, OWNER_U.user_id, feed.items[0].id)
    assert read.read_at is not None
    rig.service.mark_read(ORG, OWNER_U.user_id, feed.items[0].id)  # again: nothing changes
    assert rig.service.feed(ORG, OWNER_U.user_id, 10, None).unread_count == 1
    assert rig.service.mark_all_read(ORG, OWNER_U.user_id) == 1
    assert rig.service.feed(ORG, OWNER_U.user_id, 10, None).unread_count == 0
    with pytest.raises(errors.NotificationNotFoundError):
        rig.service.mark_read(ORG, ADMIN_U.user_id, "ntf_" + "9" * 26)


def test_the_mime_message_carries_both_parts_and_an_unfolded_one_click_unsubscribe(rig):
    import email as email_lib

    from chalicelib.adapters.ses_mailer import mime_message

    rig.service.notify(notice_from(low_balance()))
    sent = next(e for e in rig.mailer.sent if e.to == OWNER_U.email)
    raw = mime_message(sent, "GPUaaS <notifications@gpuaas.example>").as_bytes()
    parsed = email_lib.message_from_bytes(raw)
    assert parsed["List-Unsubscribe"] == f"<{sent.unsubscribe_url}>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    types = [p.get_content_type() for p in parsed.walk() if not p.is_multipart()]
    assert types == ["text/plain", "text/html"]
