from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.usage import Usage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    format_: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["since"] = since

    params["until"] = until

    params["format"] = format_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/billing/usage",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorEnvelope | Usage | None:
    if response.status_code == 200:
        response_200 = Usage.from_dict(response.json())

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
) -> Response[ErrorEnvelope | Usage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    format_: str | Unset = UNSET,
) -> Response[ErrorEnvelope | Usage]:
    """Seconds and charges per allocation and per day

     Owners, admins and the billing role; an API key with the `read` scope (or `billing:read`) may too.
    Settled usage between the days `since` and `until` (UTC, both included; the last 30 days up to today
    by default): one row per allocation and day, with totals by day and by allocation. A settlement is
    booked on the day its period ends; a correction (seconds given back when a node is found down after
    its last heartbeat) subtracts from the day the allocation's billing ended. Use not settled yet (at
    most the current minute) is not in it. `format=csv` answers the rows as `text/csv` (columns `day`,
    `allocation_id`, `sku_id`, `seconds`, `micros`) with `Content-Disposition: attachment;
    filename="usage.csv"`. `since` after `until` is 400.

    Args:
        since (str | Unset):
        until (str | Unset):
        format_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | Usage]
    """

    kwargs = _get_kwargs(
        since=since,
        until=until,
        format_=format_,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    format_: str | Unset = UNSET,
) -> ErrorEnvelope | Usage | None:
    """Seconds and charges per allocation and per day

     Owners, admins and the billing role; an API key with the `read` scope (or `billing:read`) may too.
    Settled usage between the days `since` and `until` (UTC, both included; the last 30 days up to today
    by default): one row per allocation and day, with totals by day and by allocation. A settlement is
    booked on the day its period ends; a correction (seconds given back when a node is found down after
    its last heartbeat) subtracts from the day the allocation's billing ended. Use not settled yet (at
    most the current minute) is not in it. `format=csv` answers the rows as `text/csv` (columns `day`,
    `allocation_id`, `sku_id`, `seconds`, `micros`) with `Content-Disposition: attachment;
    filename="usage.csv"`. `since` after `until` is 400.

    Args:
        since (str | Unset):
        until (str | Unset):
        format_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | Usage
    """

    return sync_detailed(
        client=client,
        since=since,
        until=until,
        format_=format_,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    format_: str | Unset = UNSET,
) -> Response[ErrorEnvelope | Usage]:
    """Seconds and charges per allocation and per day

     Owners, admins and the billing role; an API key with the `read` scope (or `billing:read`) may too.
    Settled usage between the days `since` and `until` (UTC, both included; the last 30 days up to today
    by default): one row per allocation and day, with totals by day and by allocation. A settlement is
    booked on the day its period ends; a correction (seconds given back when a node is found down after
    its last heartbeat) subtracts from the day the allocation's billing ended. Use not settled yet (at
    most the current minute) is not in it. `format=csv` answers the rows as `text/csv` (columns `day`,
    `allocation_id`, `sku_id`, `seconds`, `micros`) with `Content-Disposition: attachment;
    filename="usage.csv"`. `since` after `until` is 400.

    Args:
        since (str | Unset):
        until (str | Unset):
        format_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | Usage]
    """

    kwargs = _get_kwargs(
        since=since,
        until=until,
        format_=format_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    format_: str | Unset = UNSET,
) -> ErrorEnvelope | Usage | None:
    """Seconds and charges per allocation and per day

     Owners, admins and the billing role; an API key with the `read` scope (or `billing:read`) may too.
    Settled usage between the days `since` and `until` (UTC, both included; the last 30 days up to today
    by default): one row per allocation and day, with totals by day and by allocation. A settlement is
    booked on the day its period ends; a correction (seconds given back when a node is found down after
    its last heartbeat) subtracts from the day the allocation's billing ended. Use not settled yet (at
    most the current minute) is not in it. `format=csv` answers the rows as `text/csv` (columns `day`,
    `allocation_id`, `sku_id`, `seconds`, `micros`) with `Content-Disposition: attachment;
    filename="usage.csv"`. `since` after `until` is 400.

    Args:
        since (str | Unset):
        until (str | Unset):
        format_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | Usage
    """

    return (
        await asyncio_detailed(
            client=client,
            since=since,
            until=until,
            format_=format_,
        )
    ).parsed
