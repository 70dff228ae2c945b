from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.connection import Connection
from ...models.error_envelope import ErrorEnvelope
from ...types import Response


def _get_kwargs(
    allocation_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/allocations/{allocation_id}/ssh".format(
            allocation_id=quote(str(allocation_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Connection | ErrorEnvelope | None:
    if response.status_code == 200:
        response_200 = Connection.from_dict(response.json())

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

    if response.status_code == 409:
        response_409 = ErrorEnvelope.from_dict(response.json())

        return response_409

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
) -> Response[Connection | ErrorEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    allocation_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[Connection | ErrorEnvelope]:
    """How to ssh into an allocation

     Every org role. While the allocation is `active`: the host, port and user of its own sshd, the ssh
    command line, and its host key as a `known_hosts` line (`[host]:port ssh-ed25519 AAAA...`) with the
    key's SHA256 fingerprint, as the node's agent reported them when it built the allocation. Put the
    line into a known_hosts file and connect with `StrictHostKeyChecking yes`: no host key is trusted on
    first use (`gpuaas ssh` does this). `known_hosts` and `host_key_fingerprint` are null only for a
    host whose agent reported no host key. Any other state is 409 INVALID_ALLOCATION_STATE; another
    org's allocation is 404.

    Args:
        allocation_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Connection | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        allocation_id=allocation_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    allocation_id: str,
    *,
    client: AuthenticatedClient,
) -> Connection | ErrorEnvelope | None:
    """How to ssh into an allocation

     Every org role. While the allocation is `active`: the host, port and user of its own sshd, the ssh
    command line, and its host key as a `known_hosts` line (`[host]:port ssh-ed25519 AAAA...`) with the
    key's SHA256 fingerprint, as the node's agent reported them when it built the allocation. Put the
    line into a known_hosts file and connect with `StrictHostKeyChecking yes`: no host key is trusted on
    first use (`gpuaas ssh` does this). `known_hosts` and `host_key_fingerprint` are null only for a
    host whose agent reported no host key. Any other state is 409 INVALID_ALLOCATION_STATE; another
    org's allocation is 404.

    Args:
        allocation_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Connection | ErrorEnvelope
    """

    return sync_detailed(
        allocation_id=allocation_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    allocation_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[Connection | ErrorEnvelope]:
    """How to ssh into an allocation

     Every org role. While the allocation is `active`: the host, port and user of its own sshd, the ssh
    command line, and its host key as a `known_hosts` line (`[host]:port ssh-ed25519 AAAA...`) with the
    key's SHA256 fingerprint, as the node's agent reported them when it built the allocation. Put the
    line into a known_hosts file and connect with `StrictHostKeyChecking yes`: no host key is trusted on
    first use (`gpuaas ssh` does this). `known_hosts` and `host_key_fingerprint` are null only for a
    host whose agent reported no host key. Any other state is 409 INVALID_ALLOCATION_STATE; another
    org's allocation is 404.

    Args:
        allocation_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Connection | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        allocation_id=allocation_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    allocation_id: str,
    *,
    client: AuthenticatedClient,
) -> Connection | ErrorEnvelope | None:
    """How to ssh into an allocation

     Every org role. While the allocation is `active`: the host, port and user of its own sshd, the ssh
    command line, and its host key as a `known_hosts` line (`[host]:port ssh-ed25519 AAAA...`) with the
    key's SHA256 fingerprint, as the node's agent reported them when it built the allocation. Put the
    line into a known_hosts file and connect with `StrictHostKeyChecking yes`: no host key is trusted on
    first use (`gpuaas ssh` does this). `known_hosts` and `host_key_fingerprint` are null only for a
    host whose agent reported no host key. Any other state is 409 INVALID_ALLOCATION_STATE; another
    org's allocation is 404.

    Args:
        allocation_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Connection | ErrorEnvelope
    """

    return (
        await asyncio_detailed(
            allocation_id=allocation_id,
            client=client,
        )
    ).parsed
