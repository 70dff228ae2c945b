"""Verify a GPUaaS webhook delivery on the receiving side.

Deliveries follow the Standard Webhooks specification: the headers ``webhook-id``,
``webhook-timestamp`` (Unix seconds) and ``webhook-signature`` (``v1,<base64 HMAC-SHA256>`` of
``{id}.{timestamp}.{body}``, several separated by spaces while an endpoint's secret is being rotated).
The check itself is the ``standardwebhooks`` reference implementation's; this module adds what a
receiver needs around it: more than one secret (during a rotation), one error type, and the body
as a dict.

    from gpuaas_client import verify_webhook, WebhookVerificationError

    event = verify_webhook(request.body, request.headers, os.environ["GPUAAS_WEBHOOK_SECRET"])
    # event == {"id": "evt_...", "type": "allocation.active", "timestamp": "...", "data": {...}}

Deduplicate on ``webhook-id`` (the same across retries) and order by ``data["version"]``.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Mapping, Sequence
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import EmptyWebhookSecretError
from standardwebhooks.webhooks import WebhookVerificationError as _LibraryError

from gpuaas_client.sdk import GpuaasError

REQUIRED_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


class WebhookVerificationError(GpuaasError):
    """The delivery is not one GPUaaS signed with the given secret(s), or it is too old or too new
    (more than 5 minutes from this machine's clock: a replay, or a clock that drifted). Answer it
    with a 4xx and do not act on it."""


def verify_webhook(payload: bytes | str, headers: Mapping[str, str], secret: str | Sequence[str]) -> dict[str, Any]:
    """The delivery's JSON body, once its signature and timestamp check out.

    ``payload`` is the raw request body exactly as received (parse it only afterwards: re-serialized
    JSON does not match the signature). ``headers`` is any mapping of the request's headers; names
    are matched case-insensitively. ``secret`` is the endpoint's ``whsec_...`` secret, or several:
    during a rotation, pass the new and the old one and a delivery signed by either verifies.

    Raises :class:`WebhookVerificationError` for anything the sender could have got wrong, and
    ``ValueError`` when ``secret`` is empty or not a ``whsec_`` secret (a receiver's bug).
    """
    secrets = [secret] if isinstance(secret, str) else list(secret)
    webhooks = [_webhook(s) for s in secrets]
    if not webhooks:
        raise ValueError("verify_webhook needs at least one secret")
    lowered = {str(name).lower(): str(value) for name, value in headers.items()}
    missing = [name for name in REQUIRED_HEADERS if not lowered.get(name)]
    if missing:
        raise WebhookVerificationError(f"Missing webhook header(s): {', '.join(missing)}")
    try:
        body = payload if isinstance(payload, str) else payload.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookVerificationError("The webhook body is not UTF-8") from None
    reasons: list[str] = []
    for webhook in webhooks:
        try:
            webhook.verify(body, lowered, json_parse=False)
        except _LibraryError as exc:
            reasons.append(str(exc))
            continue
        except (ValueError, binascii.Error):
            # The reference implementation raises these for a signature list it cannot split or decode.
            raise WebhookVerificationError("Malformed webhook-signature header") from None
        return _event(body)
    raise WebhookVerificationError(_reason(reasons))


def _webhook(secret: str) -> Webhook:
    if not isinstance(secret, str) or not secret:
        raise ValueError("A webhook secret must be a non-empty whsec_... string")
    try:
        return Webhook(secret)
    except (EmptyWebhookSecretError, binascii.Error, ValueError):
        raise ValueError("Not a webhook secret: expected whsec_ followed by base64") from None


def _reason(reasons: list[str]) -> str:
    """The reference implementation's reasons, said for a receiver. A timestamp reason is the same
    for every secret; otherwise none of the secrets matched."""
    first = reasons[0] if reasons else ""
    if "too old" in first or "too new" in first:
        return f"{first} (more than 5 minutes from this machine's clock)"
    if first == "Invalid Signature Headers":  # its word for a webhook-timestamp that is not a number
        return "Invalid webhook-timestamp header"
    many = len(reasons) > 1
    return "No webhook signature matches " + ("any of the given secrets" if many else "the secret")


def _event(body: str) -> dict[str, Any]:
    try:
        event = json.loads(body)
    except ValueError:
        raise WebhookVerificationError("The webhook body is not JSON") from None
    if not isinstance(event, dict):
        raise WebhookVerificationError("The webhook body is not a JSON object")
    return event
