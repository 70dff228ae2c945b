from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.register_agent_body import RegisterAgentBody
from ...models.registered_node import RegisteredNode
from ...types import Response


def _get_kwargs(
    *,
    body: RegisterAgentBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/agent/register",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | RegisteredNode | None:
    if response.status_code == 201:
        response_201 = RegisteredNode.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = ErrorEnvelope.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 409:
        response_409 = ErrorEnvelope.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = ErrorEnvelope.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = ErrorEnvelope.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = ErrorEnvelope.from_dict(response.json())

        return response_422

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
) -> Response[ErrorEnvelope | RegisteredNode]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: RegisterAgentBody,
) -> Response[ErrorEnvelope | RegisteredNode]:
    """Join the fleet (a host's agent, once)

     Public: the bootstrap token in the body is the credential, and it is spent by a successful
    registration. The agent reports its hostname, version, the protocol versions and executors it
    supports, and its GPUs; the GPUs are cut into slots of the SKU the token was issued for, and the
    node gets its own FIFO command queue. The answer holds the node token (`gpn_<node_id>_<secret>`),
    shown once (`Cache-Control: no-store`): the agent presents it on `POST /v1/agent/credentials`, `POST
    /v1/agent/heartbeat`, `POST /v1/agent/commands/{command_id}/result` and `POST /v1/agent/logs`. The
    agent only ever calls out; the platform never opens a connection to a host. Rate class `auth`, per
    client IP.

    Args:
        body (RegisterAgentBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | RegisteredNode]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: RegisterAgentBody,
) -> ErrorEnvelope | RegisteredNode | None:
    """Join the fleet (a host's agent, once)

     Public: the bootstrap token in the body is the credential, and it is spent by a successful
    registration. The agent reports its hostname, version, the protocol versions and executors it
    supports, and its GPUs; the GPUs are cut into slots of the SKU the token was issued for, and the
    node gets its own FIFO command queue. The answer holds the node token (`gpn_<node_id>_<secret>`),
    shown once (`Cache-Control: no-store`): the agent presents it on `POST /v1/agent/credentials`, `POST
    /v1/agent/heartbeat`, `POST /v1/agent/commands/{command_id}/result` and `POST /v1/agent/logs`. The
    agent only ever calls out; the platform never opens a connection to a host. Rate class `auth`, per
    client IP.

    Args:
        body (RegisterAgentBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | RegisteredNode
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: RegisterAgentBody,
) -> Response[ErrorEnvelope | RegisteredNode]:
    """Join the fleet (a host's agent, once)

     Public: the bootstrap token in the body is the credential, and it is spent by a successful
    registration. The agent reports its hostname, version, the protocol versions and executors it
    supports, and its GPUs; the GPUs are cut into slots of the SKU the token was issued for, and the
    node gets its own FIFO command queue. The answer holds the node token (`gpn_<node_id>_<secret>`),
    shown once (`Cache-Control: no-store`): the agent presents it on `POST /v1/agent/credentials`, `POST
    /v1/agent/heartbeat`, `POST /v1/agent/commands/{command_id}/result` and `POST /v1/agent/logs`. The
    agent only ever calls out; the platform never opens a connection to a host. Rate class `auth`, per
    client IP.

    Args:
        body (RegisterAgentBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | RegisteredNode]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: RegisterAgentBody,
) -> ErrorEnvelope | RegisteredNode | None:
    """Join the fleet (a host's agent, once)

     Public: the bootstrap token in the body is the credential, and it is spent by a successful
    registration. The agent reports its hostname, version, the protocol versions and executors it
    supports, and its GPUs; the GPUs are cut into slots of the SKU the token was issued for, and the
    node gets its own FIFO command queue. The answer holds the node token (`gpn_<node_id>_<secret>`),
    shown once (`Cache-Control: no-store`): the agent presents it on `POST /v1/agent/credentials`, `POST
    /v1/agent/heartbeat`, `POST /v1/agent/commands/{command_id}/result` and `POST /v1/agent/logs`. The
    agent only ever calls out; the platform never opens a connection to a host. Rate class `auth`, per
    client IP.

    Args:
        body (RegisterAgentBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | RegisteredNode
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
