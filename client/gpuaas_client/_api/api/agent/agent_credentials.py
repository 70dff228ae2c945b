from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.queue_credentials import QueueCredentials
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/agent/credentials",
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | QueueCredentials | None:
    if response.status_code == 200:
        response_200 = QueueCredentials.from_dict(response.json())

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
) -> Response[ErrorEnvelope | QueueCredentials]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[ErrorEnvelope | QueueCredentials]:
    """Temporary credentials for the node's own command queue

     Node token only (`Authorization: Bearer gpn_<node_id>_<secret>`); a session or an API key is 403.
    STS credentials whose session policy allows `sqs:ReceiveMessage`, `sqs:DeleteMessage`,
    `sqs:ChangeMessageVisibility` and `sqs:GetQueueAttributes` on this node's FIFO queue and nothing
    else (no `SendMessage`, no other queue). They expire at `expiration` (1 hour by default,
    `GPUAAS_AGENT_CREDENTIALS_TTL_SECONDS`, at least 15 minutes); ask again before then.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | QueueCredentials]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
) -> ErrorEnvelope | QueueCredentials | None:
    """Temporary credentials for the node's own command queue

     Node token only (`Authorization: Bearer gpn_<node_id>_<secret>`); a session or an API key is 403.
    STS credentials whose session policy allows `sqs:ReceiveMessage`, `sqs:DeleteMessage`,
    `sqs:ChangeMessageVisibility` and `sqs:GetQueueAttributes` on this node's FIFO queue and nothing
    else (no `SendMessage`, no other queue). They expire at `expiration` (1 hour by default,
    `GPUAAS_AGENT_CREDENTIALS_TTL_SECONDS`, at least 15 minutes); ask again before then.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | QueueCredentials
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[ErrorEnvelope | QueueCredentials]:
    """Temporary credentials for the node's own command queue

     Node token only (`Authorization: Bearer gpn_<node_id>_<secret>`); a session or an API key is 403.
    STS credentials whose session policy allows `sqs:ReceiveMessage`, `sqs:DeleteMessage`,
    `sqs:ChangeMessageVisibility` and `sqs:GetQueueAttributes` on this node's FIFO queue and nothing
    else (no `SendMessage`, no other queue). They expire at `expiration` (1 hour by default,
    `GPUAAS_AGENT_CREDENTIALS_TTL_SECONDS`, at least 15 minutes); ask again before then.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | QueueCredentials]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
) -> ErrorEnvelope | QueueCredentials | None:
    """Temporary credentials for the node's own command queue

     Node token only (`Authorization: Bearer gpn_<node_id>_<secret>`); a session or an API key is 403.
    STS credentials whose session policy allows `sqs:ReceiveMessage`, `sqs:DeleteMessage`,
    `sqs:ChangeMessageVisibility` and `sqs:GetQueueAttributes` on this node's FIFO queue and nothing
    else (no `SendMessage`, no other queue). They expire at `expiration` (1 hour by default,
    `GPUAAS_AGENT_CREDENTIALS_TTL_SECONDS`, at least 15 minutes); ask again before then.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | QueueCredentials
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
