from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.balance import Balance
from ...models.error_envelope import ErrorEnvelope
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/billing/balance",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Balance | ErrorEnvelope | None:
    if response.status_code == 200:
        response_200 = Balance.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorEnvelope.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorEnvelope.from_dict(response.json())

        return response_403

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
) -> Response[Balance | ErrorEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[Balance | ErrorEnvelope]:
    """The org's balance now, burn rate and runway

     Owners, admins and the billing role; an API key with the `read` scope (or `billing:read`) may too.
    `balance_micros` is the balance now: the settled balance (`settled_balance_micros`, what the ledger
    says) minus what the org's running allocations used since their last settlement
    (`unsettled_usage_micros`, per second, rounded down to the micro-unit). `burn_rate_per_hour_micros`
    is the sum of the prices of the allocations still being billed, and `runway_seconds` how long the
    balance lasts at that rate (null when nothing burns). The first read opens the org's wallet (with
    the policy's welcome credit, if any). A `depleted_at` that is not null means the org's allocations
    are released once the policy's grace period has passed unless the balance rises above zero.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Balance | ErrorEnvelope]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
) -> Balance | ErrorEnvelope | None:
    """The org's balance now, burn rate and runway

     Owners, admins and the billing role; an API key with the `read` scope (or `billing:read`) may too.
    `balance_micros` is the balance now: the settled balance (`settled_balance_micros`, what the ledger
    says) minus what the org's running allocations used since their last settlement
    (`unsettled_usage_micros`, per second, rounded down to the micro-unit). `burn_rate_per_hour_micros`
    is the sum of the prices of the allocations still being billed, and `runway_seconds` how long the
    balance lasts at that rate (null when nothing burns). The first read opens the org's wallet (with
    the policy's welcome credit, if any). A `depleted_at` that is not null means the org's allocations
    are released once the policy's grace period has passed unless the balance rises above zero.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Balance | ErrorEnvelope
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[Balance | ErrorEnvelope]:
    """The org's balance now, burn rate and runway

     Owners, admins and the billing role; an API key with the `read` scope (or `billing:read`) may too.
    `balance_micros` is the balance now: the settled balance (`settled_balance_micros`, what the ledger
    says) minus what the org's running allocations used since their last settlement
    (`unsettled_usage_micros`, per second, rounded down to the micro-unit). `burn_rate_per_hour_micros`
    is the sum of the prices of the allocations still being billed, and `runway_seconds` how long the
    balance lasts at that rate (null when nothing burns). The first read opens the org's wallet (with
    the policy's welcome credit, if any). A `depleted_at` that is not null means the org's allocations
    are released once the policy's grace period has passed unless the balance rises above zero.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Balance | ErrorEnvelope]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
) -> Balance | ErrorEnvelope | None:
    """The org's balance now, burn rate and runway

     Owners, admins and the billing role; an API key with the `read` scope (or `billing:read`) may too.
    `balance_micros` is the balance now: the settled balance (`settled_balance_micros`, what the ledger
    says) minus what the org's running allocations used since their last settlement
    (`unsettled_usage_micros`, per second, rounded down to the micro-unit). `burn_rate_per_hour_micros`
    is the sum of the prices of the allocations still being billed, and `runway_seconds` how long the
    balance lasts at that rate (null when nothing burns). The first read opens the org's wallet (with
    the policy's welcome credit, if any). A `depleted_at` that is not null means the org's allocations
    are released once the policy's grace period has passed unless the balance rises above zero.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Balance | ErrorEnvelope
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
