from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.ledger_page import LedgerPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    format_: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["cursor"] = cursor

    params["since"] = since

    params["until"] = until

    params["format"] = format_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/billing/ledger",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | LedgerPage | None:
    if response.status_code == 200:
        response_200 = LedgerPage.from_dict(response.json())

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
) -> Response[ErrorEnvelope | LedgerPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    format_: str | Unset = UNSET,
) -> Response[ErrorEnvelope | LedgerPage]:
    """The org's ledger entries, newest first

     Owners, admins and the billing role; an API key with the `read` scope (or `billing:read`) may too.
    Every change of the balance is a double-entry ledger entry: its `lines` move money between the org's
    `wallet` and one platform account (`revenue`, `stripe_clearing`, `refunds`, `promotional_credit`,
    `disputes`) and sum to zero; `wallet_delta_micros` is the wallet's line. Entry ids name their cause
    (`usage:<allocation>:<from second>-<to second>`, `topup:…`, `promotion:welcome:<org>`), so no cause
    is ever posted twice. `since` (at or after) and `until` (before) bound `at`. `format=csv` answers
    the same page as `text/csv` (columns `at`, `id`, `kind`, `wallet_delta_micros`, `currency`,
    `allocation_id`, `description`) with `Content-Disposition: attachment; filename="ledger.csv"`; the
    CSV carries no cursor, so export a long ledger with a large `limit` or in `since`/`until` windows.
    `format` defaults to `json`.

    Args:
        limit (int | Unset):
        cursor (str | Unset):
        since (str | Unset):
        until (str | Unset):
        format_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | LedgerPage]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
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
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    format_: str | Unset = UNSET,
) -> ErrorEnvelope | LedgerPage | None:
    """The org's ledger entries, newest first

     Owners, admins and the billing role; an API key with the `read` scope (or `billing:read`) may too.
    Every change of the balance is a double-entry ledger entry: its `lines` move money between the org's
    `wallet` and one platform account (`revenue`, `stripe_clearing`, `refunds`, `promotional_credit`,
    `disputes`) and sum to zero; `wallet_delta_micros` is the wallet's line. Entry ids name their cause
    (`usage:<allocation>:<from second>-<to second>`, `topup:…`, `promotion:welcome:<org>`), so no cause
    is ever posted twice. `since` (at or after) and `until` (before) bound `at`. `format=csv` answers
    the same page as `text/csv` (columns `at`, `id`, `kind`, `wallet_delta_micros`, `currency`,
    `allocation_id`, `description`) with `Content-Disposition: attachment; filename="ledger.csv"`; the
    CSV carries no cursor, so export a long ledger with a large `limit` or in `since`/`until` windows.
    `format` defaults to `json`.

    Args:
        limit (int | Unset):
        cursor (str | Unset):
        since (str | Unset):
        until (str | Unset):
        format_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | LedgerPage
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        since=since,
        until=until,
        format_=format_,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    format_: str | Unset = UNSET,
) -> Response[ErrorEnvelope | LedgerPage]:
    """The org's ledger entries, newest first

     Owners, admins and the billing role; an API key with the `read` scope (or `billing:read`) may too.
    Every change of the balance is a double-entry ledger entry: its `lines` move money between the org's
    `wallet` and one platform account (`revenue`, `stripe_clearing`, `refunds`, `promotional_credit`,
    `disputes`) and sum to zero; `wallet_delta_micros` is the wallet's line. Entry ids name their cause
    (`usage:<allocation>:<from second>-<to second>`, `topup:…`, `promotion:welcome:<org>`), so no cause
    is ever posted twice. `since` (at or after) and `until` (before) bound `at`. `format=csv` answers
    the same page as `text/csv` (columns `at`, `id`, `kind`, `wallet_delta_micros`, `currency`,
    `allocation_id`, `description`) with `Content-Disposition: attachment; filename="ledger.csv"`; the
    CSV carries no cursor, so export a long ledger with a large `limit` or in `since`/`until` windows.
    `format` defaults to `json`.

    Args:
        limit (int | Unset):
        cursor (str | Unset):
        since (str | Unset):
        until (str | Unset):
        format_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | LedgerPage]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        since=since,
        until=until,
        format_=format_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    since: str | Unset = UNSET,
    until: str | Unset = UNSET,
    format_: str | Unset = UNSET,
) -> ErrorEnvelope | LedgerPage | None:
    """The org's ledger entries, newest first

     Owners, admins and the billing role; an API key with the `read` scope (or `billing:read`) may too.
    Every change of the balance is a double-entry ledger entry: its `lines` move money between the org's
    `wallet` and one platform account (`revenue`, `stripe_clearing`, `refunds`, `promotional_credit`,
    `disputes`) and sum to zero; `wallet_delta_micros` is the wallet's line. Entry ids name their cause
    (`usage:<allocation>:<from second>-<to second>`, `topup:…`, `promotion:welcome:<org>`), so no cause
    is ever posted twice. `since` (at or after) and `until` (before) bound `at`. `format=csv` answers
    the same page as `text/csv` (columns `at`, `id`, `kind`, `wallet_delta_micros`, `currency`,
    `allocation_id`, `description`) with `Content-Disposition: attachment; filename="ledger.csv"`; the
    CSV carries no cursor, so export a long ledger with a large `limit` or in `since`/`until` windows.
    `format` defaults to `json`.

    Args:
        limit (int | Unset):
        cursor (str | Unset):
        since (str | Unset):
        until (str | Unset):
        format_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | LedgerPage
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            since=since,
            until=until,
            format_=format_,
        )
    ).parsed
