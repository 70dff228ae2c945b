from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.dev_checkout_completion import DevCheckoutCompletion
from ...models.error_envelope import ErrorEnvelope
from ...types import Response


def _get_kwargs(
    session_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/dev/stripe/checkout/{session_id}/complete".format(
            session_id=quote(str(session_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DevCheckoutCompletion | ErrorEnvelope | None:
    if response.status_code == 200:
        response_200 = DevCheckoutCompletion.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorEnvelope.from_dict(response.json())

        return response_400

    if response.status_code == 404:
        response_404 = ErrorEnvelope.from_dict(response.json())

        return response_404

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
) -> Response[DevCheckoutCompletion | ErrorEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[DevCheckoutCompletion | ErrorEnvelope]:
    """Pay a checkout (local stage only)

     Exists only when the stage is `local`, where checkouts open no Stripe page: their `url` points here.
    Pays the checkout as the customer would: the local Stripe signs a `checkout.session.completed` event
    and delivers it over HTTP to this API's `POST /v1/webhooks/stripe`, exactly as Stripe would, and
    this answers what the webhook answered. No credential needed.

    Args:
        session_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DevCheckoutCompletion | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        session_id=session_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> DevCheckoutCompletion | ErrorEnvelope | None:
    """Pay a checkout (local stage only)

     Exists only when the stage is `local`, where checkouts open no Stripe page: their `url` points here.
    Pays the checkout as the customer would: the local Stripe signs a `checkout.session.completed` event
    and delivers it over HTTP to this API's `POST /v1/webhooks/stripe`, exactly as Stripe would, and
    this answers what the webhook answered. No credential needed.

    Args:
        session_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DevCheckoutCompletion | ErrorEnvelope
    """

    return sync_detailed(
        session_id=session_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[DevCheckoutCompletion | ErrorEnvelope]:
    """Pay a checkout (local stage only)

     Exists only when the stage is `local`, where checkouts open no Stripe page: their `url` points here.
    Pays the checkout as the customer would: the local Stripe signs a `checkout.session.completed` event
    and delivers it over HTTP to this API's `POST /v1/webhooks/stripe`, exactly as Stripe would, and
    this answers what the webhook answered. No credential needed.

    Args:
        session_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DevCheckoutCompletion | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        session_id=session_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    session_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> DevCheckoutCompletion | ErrorEnvelope | None:
    """Pay a checkout (local stage only)

     Exists only when the stage is `local`, where checkouts open no Stripe page: their `url` points here.
    Pays the checkout as the customer would: the local Stripe signs a `checkout.session.completed` event
    and delivers it over HTTP to this API's `POST /v1/webhooks/stripe`, exactly as Stripe would, and
    this answers what the webhook answered. No credential needed.

    Args:
        session_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DevCheckoutCompletion | ErrorEnvelope
    """

    return (
        await asyncio_detailed(
            session_id=session_id,
            client=client,
        )
    ).parsed
