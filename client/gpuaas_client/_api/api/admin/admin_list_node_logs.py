from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.log_page import LogPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    node_id: str,
    *,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    since: str | Unset = UNSET,
    follow: bool | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["cursor"] = cursor

    params["since"] = since

    params["follow"] = follow

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/admin/nodes/{node_id}/logs".format(
            node_id=quote(str(node_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | LogPage | None:
    if response.status_code == 200:
        response_200 = LogPage.from_dict(response.json())

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
) -> Response[ErrorEnvelope | LogPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    node_id: str,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    since: str | Unset = UNSET,
    follow: bool | Unset = UNSET,
) -> Response[ErrorEnvelope | LogPage]:
    """A node agent's own log, oldest first

     Operators only. The agent's logging records (its JSON lines, as on the host's stderr), shipped by
    the agent in batches. Lines oldest first, a page at a time: pass `next_cursor` back as `cursor` for
    the lines after them. `next_cursor` is never null (a stream has no end): a page without items means
    nothing newer yet, and its cursor is where to look again. With `follow=true` an empty read waits
    (long poll) up to `GPUAAS_LOG_FOLLOW_WAIT_SECONDS` and answers as soon as new lines arrive. A cursor
    is valid only for the stream it came from (else 400 INVALID_CURSOR).

    Args:
        node_id (str):
        limit (int | Unset):
        cursor (str | Unset):
        since (str | Unset):
        follow (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | LogPage]
    """

    kwargs = _get_kwargs(
        node_id=node_id,
        limit=limit,
        cursor=cursor,
        since=since,
        follow=follow,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    node_id: str,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    since: str | Unset = UNSET,
    follow: bool | Unset = UNSET,
) -> ErrorEnvelope | LogPage | None:
    """A node agent's own log, oldest first

     Operators only. The agent's logging records (its JSON lines, as on the host's stderr), shipped by
    the agent in batches. Lines oldest first, a page at a time: pass `next_cursor` back as `cursor` for
    the lines after them. `next_cursor` is never null (a stream has no end): a page without items means
    nothing newer yet, and its cursor is where to look again. With `follow=true` an empty read waits
    (long poll) up to `GPUAAS_LOG_FOLLOW_WAIT_SECONDS` and answers as soon as new lines arrive. A cursor
    is valid only for the stream it came from (else 400 INVALID_CURSOR).

    Args:
        node_id (str):
        limit (int | Unset):
        cursor (str | Unset):
        since (str | Unset):
        follow (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | LogPage
    """

    return sync_detailed(
        node_id=node_id,
        client=client,
        limit=limit,
        cursor=cursor,
        since=since,
        follow=follow,
    ).parsed


async def asyncio_detailed(
    node_id: str,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    since: str | Unset = UNSET,
    follow: bool | Unset = UNSET,
) -> Response[ErrorEnvelope | LogPage]:
    """A node agent's own log, oldest first

     Operators only. The agent's logging records (its JSON lines, as on the host's stderr), shipped by
    the agent in batches. Lines oldest first, a page at a time: pass `next_cursor` back as `cursor` for
    the lines after them. `next_cursor` is never null (a stream has no end): a page without items means
    nothing newer yet, and its cursor is where to look again. With `follow=true` an empty read waits
    (long poll) up to `GPUAAS_LOG_FOLLOW_WAIT_SECONDS` and answers as soon as new lines arrive. A cursor
    is valid only for the stream it came from (else 400 INVALID_CURSOR).

    Args:
        node_id (str):
        limit (int | Unset):
        cursor (str | Unset):
        since (str | Unset):
        follow (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | LogPage]
    """

    kwargs = _get_kwargs(
        node_id=node_id,
        limit=limit,
        cursor=cursor,
        since=since,
        follow=follow,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    node_id: str,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    since: str | Unset = UNSET,
    follow: bool | Unset = UNSET,
) -> ErrorEnvelope | LogPage | None:
    """A node agent's own log, oldest first

     Operators only. The agent's logging records (its JSON lines, as on the host's stderr), shipped by
    the agent in batches. Lines oldest first, a page at a time: pass `next_cursor` back as `cursor` for
    the lines after them. `next_cursor` is never null (a stream has no end): a page without items means
    nothing newer yet, and its cursor is where to look again. With `follow=true` an empty read waits
    (long poll) up to `GPUAAS_LOG_FOLLOW_WAIT_SECONDS` and answers as soon as new lines arrive. A cursor
    is valid only for the stream it came from (else 400 INVALID_CURSOR).

    Args:
        node_id (str):
        limit (int | Unset):
        cursor (str | Unset):
        since (str | Unset):
        follow (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | LogPage
    """

    return (
        await asyncio_detailed(
            node_id=node_id,
            client=client,
            limit=limit,
            cursor=cursor,
            since=since,
            follow=follow,
        )
    ).parsed
