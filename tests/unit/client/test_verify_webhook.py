"""verify_webhook: a receiver checks deliveries signed the platform's way (Standard Webhooks, signed
here with the ``standardwebhooks`` package, as the delivery worker signs them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from gpuaas_client import GpuaasError, WebhookVerificationError, verify_webhook

from tests.support.webhook_signing import minutes_ago, new_secret, sample_event, signed

pytestmark = pytest.mark.unit


def test_a_signed_delivery_verifies_and_comes_back_as_the_event() -> None:
    secret = new_secret()
    delivery = signed(sample_event(), secret)
    assert verify_webhook(delivery.body, delivery.headers, secret) == sample_event()
    assert verify_webhook(delivery.body.decode(), delivery.headers, secret)["data"]["version"] == 3


def test_header_names_are_matched_whatever_their_case() -> None:
    secret = new_secret()
    delivery = signed(sample_event(), secret)
    spelled = {name.title(): value for name, value in delivery.headers.items()}  # Webhook-Id, ...
    assert verify_webhook(delivery.body, spelled, secret)["id"] == "evt_01m8example"


def test_during_a_rotation_either_secret_verifies_the_two_signatures() -> None:
    old, new = new_secret(), new_secret()
    delivery = signed(sample_event(), new, old)
    assert len(delivery.headers["webhook-signature"].split(" ")) == 2
    assert verify_webhook(delivery.body, delivery.headers, old)["id"] == "evt_01m8example"
    assert verify_webhook(delivery.body, delivery.headers, new)["id"] == "evt_01m8example"
    # A receiver mid-rotation passes both of its secrets; a delivery signed with only one verifies too.
    assert verify_webhook(signed(sample_event(), old).body, signed(sample_event(), old).headers, [new, old])
    only_new = signed(sample_event(), new)
    assert verify_webhook(only_new.body, only_new.headers, (old, new))["type"] == "allocation.active"


def test_a_wrong_secret_or_a_changed_body_is_refused() -> None:
    secret = new_secret()
    delivery = signed(sample_event(), secret)
    with pytest.raises(WebhookVerificationError, match="No webhook signature matches the secret"):
        verify_webhook(delivery.body, delivery.headers, new_secret())
    with pytest.raises(WebhookVerificationError, match="any of the given secrets"):
        verify_webhook(delivery.body, delivery.headers, [new_secret(), new_secret()])
    tampered = delivery.body.replace(b'"version":3', b'"version":4')
    with pytest.raises(WebhookVerificationError, match="No webhook signature matches"):
        verify_webhook(tampered, delivery.headers, secret)
    other_id = {**delivery.headers, "webhook-id": "evt_other"}
    with pytest.raises(WebhookVerificationError, match="No webhook signature matches"):
        verify_webhook(delivery.body, other_id, secret)


@pytest.mark.parametrize(("minutes", "word"), [(6, "too old"), (-6, "too new")])
def test_a_timestamp_outside_five_minutes_is_refused_even_when_signed(minutes: float, word: str) -> None:
    secret = new_secret()
    delivery = signed(sample_event(), secret, at=minutes_ago(minutes))  # now, not at collection
    with pytest.raises(WebhookVerificationError, match=word):
        verify_webhook(delivery.body, delivery.headers, secret)


def test_a_timestamp_within_five_minutes_verifies() -> None:
    secret = new_secret()
    delivery = signed(sample_event(), secret, at=datetime.now(UTC) - timedelta(minutes=4))
    assert verify_webhook(delivery.body, delivery.headers, secret)


def test_a_changed_timestamp_breaks_the_signature() -> None:
    secret = new_secret()
    delivery = signed(sample_event(), secret, at=minutes_ago(1))
    moved = {**delivery.headers, "webhook-timestamp": str(int(datetime.now(UTC).timestamp()))}
    with pytest.raises(WebhookVerificationError, match="No webhook signature matches"):
        verify_webhook(delivery.body, moved, secret)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"webhook-id": ""}, "Missing webhook header(s): webhook-id"),
        ({"webhook-signature": ""}, "Missing webhook header(s): webhook-signature"),
        ({"webhook-timestamp": "yesterday"}, "Invalid webhook-timestamp header"),
        ({"webhook-signature": "garbage"}, "Malformed webhook-signature header"),
        ({"webhook-signature": "v1,not base64!"}, "Malformed webhook-signature header"),
        ({"webhook-signature": "v2,AAAA"}, "No webhook signature matches"),  # only v1 is a signature
    ],
)
def test_malformed_headers_raise_the_client_error(change: dict[str, str], message: str) -> None:
    secret = new_secret()
    delivery = signed(sample_event(), secret)
    with pytest.raises(WebhookVerificationError) as caught:
        verify_webhook(delivery.body, {**delivery.headers, **change}, secret)
    assert str(caught.value).startswith(message)
    assert isinstance(caught.value, GpuaasError)


def test_all_headers_missing_are_named() -> None:
    with pytest.raises(WebhookVerificationError, match="webhook-id, webhook-timestamp, webhook-signature"):
        verify_webhook(b"{}", {}, new_secret())


def test_a_signed_body_that_is_not_a_json_object_is_refused() -> None:
    secret = new_secret()
    for body, message in [(b"[1, 2]", "not a JSON object"), (b"not json", "not JSON"), (b"\xff\xfe", "not UTF-8")]:
        delivery = signed(sample_event(), secret)
        headers = dict(delivery.headers)
        if body != b"\xff\xfe":
            from standardwebhooks import Webhook

            when = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
            headers["webhook-signature"] = Webhook(secret).sign(headers["webhook-id"], when, body.decode())
        with pytest.raises(WebhookVerificationError, match=message):
            verify_webhook(body, headers, secret)


@pytest.mark.parametrize("secret", ["", [], "whsec_***", ["whsec_"]])
def test_a_missing_or_malformed_secret_is_the_receivers_bug(secret: str | list[str]) -> None:
    delivery = signed(sample_event(), new_secret())
    with pytest.raises(ValueError, match="secret"):
        verify_webhook(delivery.body, delivery.headers, secret)
