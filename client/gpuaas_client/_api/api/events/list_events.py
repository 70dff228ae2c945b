from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.event_feed_page import EventFeedPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    after: str | Unset = UNSET,
    types: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    wait: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["after"] = after

    params["types"] = types

    params["limit"] = limit

    params["wait"] = wait

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/events",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | EventFeedPage | None:
    if response.status_code == 200:
        response_200 = EventFeedPage.from_dict(response.json())

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
) -> Response[ErrorEnvelope | EventFeedPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    after: str | Unset = UNSET,
    types: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    wait: int | Unset = UNSET,
) -> Response[ErrorEnvelope | EventFeedPage]:
    """The org's public events in order, from a durable cursor (long-poll with `wait`)

     Every org role; an API key with the `read` scope (or `events:read`) may too. The same public events
    webhooks deliver, with the same ids and bodies (`{"id", "type", "timestamp", "data"}`,
    doc/webhooks.md), in the order the org's feed received them: each entry has the next number of a
    per-org sequence given out in the transaction that stores it, so a cursor never skips an event that
    committed late and never sees one twice. Without `after` the feed starts at its oldest retained
    event (events are kept 30 days). Pass `next_cursor` back as `after` for what follows; `next_cursor`
    is never null: a page without items means nothing new yet, and its cursor is where to look again.
    With `wait` an empty read waits up to that many seconds (at most 20) and answers as soon as an event
    arrives. Operator events (`node.*`) are not in an org's feed: see `GET /v1/admin/event-feed`. A
    cursor is valid only for the feed it came from (else 400 INVALID_CURSOR).

    Args:
        after (str | Unset):
        types (str | Unset):
        limit (int | Unset):
        wait (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | EventFeedPage]
    """

    kwargs = _get_kwargs(
        after=after,
        types=types,
        limit=limit,
        wait=wait,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    after: str | Unset = UNSET,
    types: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    wait: int | Unset = UNSET,
) -> ErrorEnvelope | EventFeedPage | None:
    """The org's public events in order, from a durable cursor (long-poll with `wait`)

     Every org role; an API key with the `read` scope (or `events:read`) may too. The same public events
    webhooks deliver, with the same ids and bodies (`{"id", "type", "timestamp", "data"}`,
    doc/webhooks.md), in the order the org's feed received them: each entry has the next number of a
    per-org sequence given out in the transaction that stores it, so a cursor never skips an event that
    committed late and never sees one twice. Without `after` the feed starts at its oldest retained
    event (events are kept 30 days). Pass `next_cursor` back as `after` for what follows; `next_cursor`
    is never null: a page without items means nothing new yet, and its cursor is where to look again.
    With `wait` an empty read waits up to that many seconds (at most 20) and answers as soon as an event
    arrives. Operator events (`node.*`) are not in an org's feed: see `GET /v1/admin/event-feed`. A
    cursor is valid only for the feed it came from (else 400 INVALID_CURSOR).

    Args:
        after (str | Unset):
        types (str | Unset):
        limit (int | Unset):
        wait (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | EventFeedPage
    """

    return sync_detailed(
        client=client,
        after=after,
        types=types,
        limit=limit,
        wait=wait,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    after: str | Unset = UNSET,
    types: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    wait: int | Unset = UNSET,
) -> Response[ErrorEnvelope | EventFeedPage]:
    """The org's public events in order, from a durable cursor (long-poll with `wait`)

     Every org role; an API key with the `read` scope (or `events:read`) may too. The same public events
    webhooks deliver, with the same ids and bodies (`{"id", "type", "timestamp", "data"}`,
    doc/webhooks.md), in the order the org's feed received them: each entry has the next number of a
    per-org sequence given out in the transaction that stores it, so a cursor never skips an event that
    committed late and never sees one twice. Without `after` the feed starts at its oldest retained
    event (events are kept 30 days). Pass `next_cursor` back as `after` for what follows; `next_cursor`
    is never null: a page without items means nothing new yet, and its cursor is where to look again.
    With `wait` an empty read waits up to that many seconds (at most 20) and answers as soon as an event
    arrives. Operator events (`node.*`) are not in an org's feed: see `GET /v1/admin/event-feed`. A
    cursor is valid only for the feed it came from (else 400 INVALID_CURSOR).

    Args:
        after (str | Unset):
        types (str | Unset):
        limit (int | Unset):
        wait (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | EventFeedPage]
    """

    kwargs = _get_kwargs(
        after=after,
        types=types,
        limit=limit,
        wait=wait,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    after: str | Unset = UNSET,
    types: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    wait: int | Unset = UNSET,
) -> ErrorEnvelope | EventFeedPage | None:
    """The org's public events in order, from a durable cursor (long-poll with `wait`)

     Every org role; an API key with the `read` scope (or `events:read`) may too. The same public events
    webhooks deliver, with the same ids and bodies (`{"id", "type", "timestamp", "data"}`,
    doc/webhooks.md), in the order the org's feed received them: each entry has the next number of a
    per-org sequence given out in the transaction that stores it, so a cursor never skips an event that
    committed late and never sees one twice. Without `after` the feed starts at its oldest retained
    event (events are kept 30 days). Pass `next_cursor` back as `after` for what follows; `next_cursor`
    is never null: a page without items means nothing new yet, and its cursor is where to look again.
    With `wait` an empty read waits up to that many seconds (at most 20) and answers as soon as an event
    arrives. Operator events (`node.*`) are not in an org's feed: see `GET /v1/admin/event-feed`. A
    cursor is valid only for the feed it came from (else 400 INVALID_CURSOR).

    Args:
        after (str | Unset):
        types (str | Unset):
        limit (int | Unset):
        wait (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | EventFeedPage
    """

    return (
        await asyncio_detailed(
            client=client,
            after=after,
            types=types,
            limit=limit,
            wait=wait,
        )
    ).parsed
