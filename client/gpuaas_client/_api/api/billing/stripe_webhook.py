from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.webhook_ack import WebhookAck
from ...types import Response


def _get_kwargs(
    *,
    stripe_signature: str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Stripe-Signature"] = stripe_signature

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/webhooks/stripe",
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | WebhookAck | None:
    if response.status_code == 200:
        response_200 = WebhookAck.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorEnvelope.from_dict(response.json())

        return response_400

    if response.status_code == 409:
        response_409 = ErrorEnvelope.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = ErrorEnvelope.from_dict(response.json())

        return response_413

    if response.status_code == 429:
        response_429 = ErrorEnvelope.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = ErrorEnvelope.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = ErrorEnvelope.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorEnvelope | WebhookAck]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    stripe_signature: str,
) -> Response[ErrorEnvelope | WebhookAck]:
    """Stripe's events (payments, refunds, disputes)

     Stripe's webhook endpoint (no bearer token: the `Stripe-Signature` header is the credential). The
    body is a Stripe event, verified against the exact bytes received with the endpoint's signing secret
    and a tolerance of `GPUAAS_STRIPE_WEBHOOK_TOLERANCE_SECONDS` (300 by default); nothing is read or
    written before. Handled types: `checkout.session.completed` and
    `checkout.session.async_payment_succeeded` (credit the top-up once, `topup:<checkout session>`),
    `payment_intent.payment_failed` (`payment.failed`), `charge.refunded` (debit each refund once,
    `refund:<refund>`), `charge.dispute.created` (freeze new allocations and debit the disputed amount,
    `dispute:<dispute>`); other types are acknowledged and ignored. Each Stripe event id is applied once
    whatever the order and number of deliveries; a redelivery is answered `duplicate`. Any non-2xx
    answer makes Stripe retry. Never refused by the platform's rate limits. The body is read raw, so it
    is not described as a JSON request body here; it must not exceed the configured body limit.

    Args:
        stripe_signature (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | WebhookAck]
    """

    kwargs = _get_kwargs(
        stripe_signature=stripe_signature,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    stripe_signature: str,
) -> ErrorEnvelope | WebhookAck | None:
    """Stripe's events (payments, refunds, disputes)

     Stripe's webhook endpoint (no bearer token: the `Stripe-Signature` header is the credential). The
    body is a Stripe event, verified against the exact bytes received with the endpoint's signing secret
    and a tolerance of `GPUAAS_STRIPE_WEBHOOK_TOLERANCE_SECONDS` (300 by default); nothing is read or
    written before. Handled types: `checkout.session.completed` and
    `checkout.session.async_payment_succeeded` (credit the top-up once, `topup:<checkout session>`),
    `payment_intent.payment_failed` (`payment.failed`), `charge.refunded` (debit each refund once,
    `refund:<refund>`), `charge.dispute.created` (freeze new allocations and debit the disputed amount,
    `dispute:<dispute>`); other types are acknowledged and ignored. Each Stripe event id is applied once
    whatever the order and number of deliveries; a redelivery is answered `duplicate`. Any non-2xx
    answer makes Stripe retry. Never refused by the platform's rate limits. The body is read raw, so it
    is not described as a JSON request body here; it must not exceed the configured body limit.

    Args:
        stripe_signature (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | WebhookAck
    """

    return sync_detailed(
        client=client,
        stripe_signature=stripe_signature,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    stripe_signature: str,
) -> Response[ErrorEnvelope | WebhookAck]:
    """Stripe's events (payments, refunds, disputes)

     Stripe's webhook endpoint (no bearer token: the `Stripe-Signature` header is the credential). The
    body is a Stripe event, verified against the exact bytes received with the endpoint's signing secret
    and a tolerance of `GPUAAS_STRIPE_WEBHOOK_TOLERANCE_SECONDS` (300 by default); nothing is read or
    written before. Handled types: `checkout.session.completed` and
    `checkout.session.async_payment_succeeded` (credit the top-up once, `topup:<checkout session>`),
    `payment_intent.payment_failed` (`payment.failed`), `charge.refunded` (debit each refund once,
    `refund:<refund>`), `charge.dispute.created` (freeze new allocations and debit the disputed amount,
    `dispute:<dispute>`); other types are acknowledged and ignored. Each Stripe event id is applied once
    whatever the order and number of deliveries; a redelivery is answered `duplicate`. Any non-2xx
    answer makes Stripe retry. Never refused by the platform's rate limits. The body is read raw, so it
    is not described as a JSON request body here; it must not exceed the configured body limit.

    Args:
        stripe_signature (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | WebhookAck]
    """

    kwargs = _get_kwargs(
        stripe_signature=stripe_signature,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    stripe_signature: str,
) -> ErrorEnvelope | WebhookAck | None:
    """Stripe's events (payments, refunds, disputes)

     Stripe's webhook endpoint (no bearer token: the `Stripe-Signature` header is the credential). The
    body is a Stripe event, verified against the exact bytes received with the endpoint's signing secret
    and a tolerance of `GPUAAS_STRIPE_WEBHOOK_TOLERANCE_SECONDS` (300 by default); nothing is read or
    written before. Handled types: `checkout.session.completed` and
    `checkout.session.async_payment_succeeded` (credit the top-up once, `topup:<checkout session>`),
    `payment_intent.payment_failed` (`payment.failed`), `charge.refunded` (debit each refund once,
    `refund:<refund>`), `charge.dispute.created` (freeze new allocations and debit the disputed amount,
    `dispute:<dispute>`); other types are acknowledged and ignored. Each Stripe event id is applied once
    whatever the order and number of deliveries; a redelivery is answered `duplicate`. Any non-2xx
    answer makes Stripe retry. Never refused by the platform's rate limits. The body is read raw, so it
    is not described as a JSON request body here; it must not exceed the configured body limit.

    Args:
        stripe_signature (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | WebhookAck
    """

    return (
        await asyncio_detailed(
            client=client,
            stripe_signature=stripe_signature,
        )
    ).parsed
