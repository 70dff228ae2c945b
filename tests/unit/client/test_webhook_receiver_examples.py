"""The receivers in doc/examples/webhooks/ verify deliveries signed the platform's way: the Python
ones (the SDK's verify_webhook, the bare standardwebhooks package) and the Node one (node:crypto
only), run by the ``node`` binary. Both signatures of a rotation verify; a timestamp outside the
5-minute tolerance and a changed body are refused."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.support.webhook_signing import Delivery, minutes_ago, new_secret, sample_event, signed

pytestmark = pytest.mark.unit

EXAMPLES = Path(__file__).resolve().parents[3] / "doc" / "examples" / "webhooks"


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"webhook_example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _node(delivery: Delivery, secrets: list[str], body: bytes | None = None) -> dict[str, Any]:
    case = {"body": (body or delivery.body).decode(), "headers": delivery.headers, "secrets": secrets}
    done = subprocess.run(
        ["node", str(EXAMPLES / "verify.js"), "--check"],
        input=json.dumps(case),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.stderr == ""
    answer: dict[str, Any] = json.loads(done.stdout)
    assert done.returncode == (0 if answer["ok"] else 1)
    return answer


needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="the node binary is not installed")


@needs_node
def test_the_node_example_verifies_a_delivery_signed_by_the_platform() -> None:
    secret = new_secret()
    answer = _node(signed(sample_event(), secret), [secret])
    assert answer == {"ok": True, "event": sample_event()}


@needs_node
def test_the_node_example_verifies_either_of_two_space_separated_signatures() -> None:
    old, new = new_secret(), new_secret()
    delivery = signed(sample_event(), new, old)
    assert " " in delivery.headers["webhook-signature"]
    assert _node(delivery, [old])["ok"] is True
    assert _node(delivery, [new])["ok"] is True
    assert _node(delivery, [new_secret(), old])["ok"] is True
    assert _node(delivery, [new_secret()]) == {"ok": False, "error": "no signature matches"}


@needs_node
@pytest.mark.parametrize("minutes", [6, -6, 60 * 24])
def test_the_node_example_refuses_a_timestamp_outside_the_tolerance(minutes: float) -> None:
    secret = new_secret()
    answer = _node(signed(sample_event(), secret, at=minutes_ago(minutes)), [secret])
    assert answer == {"ok": False, "error": "webhook-timestamp outside the 5-minute tolerance"}
    assert _node(signed(sample_event(), secret, at=minutes_ago(4)), [secret])["ok"] is True


@needs_node
def test_the_node_example_refuses_a_changed_body_and_malformed_headers() -> None:
    secret = new_secret()
    delivery = signed(sample_event(), secret)
    assert _node(delivery, [secret], body=delivery.body.replace(b'"version":3', b'"version":4'))["ok"] is False
    for change in ({"webhook-signature": "garbage"}, {"webhook-signature": "v2,AAAA"}, {"webhook-timestamp": "now"}):
        assert _node(Delivery(delivery.body, {**delivery.headers, **change}), [secret])["ok"] is False
    title_case = Delivery(delivery.body, {k.title(): v for k, v in delivery.headers.items()})
    assert _node(title_case, [secret])["ok"] is True


@pytest.mark.parametrize("name", ["receiver_sdk", "receiver_standardwebhooks"])
def test_the_python_examples_take_signed_deliveries_and_refuse_the_rest(name: str) -> None:
    handle = _module(name).handle
    old, new = new_secret(), new_secret()
    rotating = signed(sample_event(), new, old)
    assert handle(rotating.body, rotating.headers, [old]) in (200, 204)
    assert handle(rotating.body, rotating.headers, [new_secret(), new]) in (200, 204)
    stale = signed(sample_event("evt_stale"), new, at=minutes_ago(6))
    assert handle(stale.body, stale.headers, [new]) == 400
    assert handle(rotating.body, rotating.headers, [new_secret()]) == 400
    malformed = {**rotating.headers, "webhook-signature": "garbage"}
    assert handle(rotating.body, malformed, [new]) == 400


def test_the_sdk_example_answers_a_retry_without_processing_it_twice() -> None:
    module = _module("receiver_sdk")
    secret = new_secret()
    delivery = signed(sample_event("evt_retry"), secret)
    assert module.handle(delivery.body, delivery.headers, [secret]) == 204
    assert module.handle(delivery.body, delivery.headers, [secret]) == 200
    assert module.processed == {"evt_retry"}
