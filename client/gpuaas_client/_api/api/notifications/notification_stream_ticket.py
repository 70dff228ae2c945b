from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.notification_stream_ticket import NotificationStreamTicket
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/notifications/stream-ticket",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | NotificationStreamTicket | None:
    if response.status_code == 201:
        response_201 = NotificationStreamTicket.from_dict(response.json())

        return response_201

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
) -> Response[ErrorEnvelope | NotificationStreamTicket]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[ErrorEnvelope | NotificationStreamTicket]:
    """A ticket to the live notification stream

     Every org role; an API key with the `read` scope (or `notifications:read`) may too. A one-time
    `ticket` (`nst_…`, valid for `GPUAAS_NOTIFICATION_TICKET_TTL_SECONDS`, 60 s by default; the platform
    keeps its SHA-256 hash only, `Cache-Control: no-store`) and the WebSocket API's `url`: connect to
    `url?ticket=<ticket>` and receive `{"type": "notification", "notification": {…}}` text frames for
    each new notification of yours in this org; send `{"type": "ping"}` every few minutes to keep the
    connection (answered `pong`). A used, expired or unknown ticket is refused at the upgrade (HTTP
    403).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | NotificationStreamTicket]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
) -> ErrorEnvelope | NotificationStreamTicket | None:
    """A ticket to the live notification stream

     Every org role; an API key with the `read` scope (or `notifications:read`) may too. A one-time
    `ticket` (`nst_…`, valid for `GPUAAS_NOTIFICATION_TICKET_TTL_SECONDS`, 60 s by default; the platform
    keeps its SHA-256 hash only, `Cache-Control: no-store`) and the WebSocket API's `url`: connect to
    `url?ticket=<ticket>` and receive `{"type": "notification", "notification": {…}}` text frames for
    each new notification of yours in this org; send `{"type": "ping"}` every few minutes to keep the
    connection (answered `pong`). A used, expired or unknown ticket is refused at the upgrade (HTTP
    403).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | NotificationStreamTicket
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[ErrorEnvelope | NotificationStreamTicket]:
    """A ticket to the live notification stream

     Every org role; an API key with the `read` scope (or `notifications:read`) may too. A one-time
    `ticket` (`nst_…`, valid for `GPUAAS_NOTIFICATION_TICKET_TTL_SECONDS`, 60 s by default; the platform
    keeps its SHA-256 hash only, `Cache-Control: no-store`) and the WebSocket API's `url`: connect to
    `url?ticket=<ticket>` and receive `{"type": "notification", "notification": {…}}` text frames for
    each new notification of yours in this org; send `{"type": "ping"}` every few minutes to keep the
    connection (answered `pong`). A used, expired or unknown ticket is refused at the upgrade (HTTP
    403).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | NotificationStreamTicket]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
) -> ErrorEnvelope | NotificationStreamTicket | None:
    """A ticket to the live notification stream

     Every org role; an API key with the `read` scope (or `notifications:read`) may too. A one-time
    `ticket` (`nst_…`, valid for `GPUAAS_NOTIFICATION_TICKET_TTL_SECONDS`, 60 s by default; the platform
    keeps its SHA-256 hash only, `Cache-Control: no-store`) and the WebSocket API's `url`: connect to
    `url?ticket=<ticket>` and receive `{"type": "notification", "notification": {…}}` text frames for
    each new notification of yours in this org; send `{"type": "ping"}` every few minutes to keep the
    connection (answered `pong`). A used, expired or unknown ticket is refused at the upgrade (HTTP
    403).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | NotificationStreamTicket
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
