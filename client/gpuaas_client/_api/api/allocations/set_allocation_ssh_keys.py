from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.allocation import Allocation
from ...models.error_envelope import ErrorEnvelope
from ...models.ssh_keys_body import SshKeysBody
from ...types import Response


def _get_kwargs(
    allocation_id: str,
    *,
    body: SshKeysBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/allocations/{allocation_id}/ssh-keys".format(
            allocation_id=quote(str(allocation_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Allocation | ErrorEnvelope | None:
    if response.status_code == 200:
        response_200 = Allocation.from_dict(response.json())

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

    if response.status_code == 413:
        response_413 = ErrorEnvelope.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = ErrorEnvelope.from_dict(response.json())

        return response_415

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
) -> Response[Allocation | ErrorEnvelope]:
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
    body: SshKeysBody,
) -> Response[Allocation | ErrorEnvelope]:
    """Replace an active allocation's SSH keys

     Owners, admins and members; an API key with the `write` scope may too. `ssh_key_ids` (your own SSH
    keys, 1 to 32) replace the keys that open the allocation. The change, its
    `allocation.ssh_keys_changed` event, an audit record (`allocations:ssh_keys`) and a `sync_keys`
    command for the node's agent are one transaction; the command then goes to the node's queue and the
    agent rewrites the allocation's authorized_keys within seconds: new connections use the new keys
    (open sessions stay). Only an `active` allocation's keys change (409 INVALID_ALLOCATION_STATE
    otherwise). 503 when the command could not be queued: the keys are saved, and the same request again
    sends it.

    Args:
        allocation_id (str):
        body (SshKeysBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Allocation | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        allocation_id=allocation_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    allocation_id: str,
    *,
    client: AuthenticatedClient,
    body: SshKeysBody,
) -> Allocation | ErrorEnvelope | None:
    """Replace an active allocation's SSH keys

     Owners, admins and members; an API key with the `write` scope may too. `ssh_key_ids` (your own SSH
    keys, 1 to 32) replace the keys that open the allocation. The change, its
    `allocation.ssh_keys_changed` event, an audit record (`allocations:ssh_keys`) and a `sync_keys`
    command for the node's agent are one transaction; the command then goes to the node's queue and the
    agent rewrites the allocation's authorized_keys within seconds: new connections use the new keys
    (open sessions stay). Only an `active` allocation's keys change (409 INVALID_ALLOCATION_STATE
    otherwise). 503 when the command could not be queued: the keys are saved, and the same request again
    sends it.

    Args:
        allocation_id (str):
        body (SshKeysBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Allocation | ErrorEnvelope
    """

    return sync_detailed(
        allocation_id=allocation_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    allocation_id: str,
    *,
    client: AuthenticatedClient,
    body: SshKeysBody,
) -> Response[Allocation | ErrorEnvelope]:
    """Replace an active allocation's SSH keys

     Owners, admins and members; an API key with the `write` scope may too. `ssh_key_ids` (your own SSH
    keys, 1 to 32) replace the keys that open the allocation. The change, its
    `allocation.ssh_keys_changed` event, an audit record (`allocations:ssh_keys`) and a `sync_keys`
    command for the node's agent are one transaction; the command then goes to the node's queue and the
    agent rewrites the allocation's authorized_keys within seconds: new connections use the new keys
    (open sessions stay). Only an `active` allocation's keys change (409 INVALID_ALLOCATION_STATE
    otherwise). 503 when the command could not be queued: the keys are saved, and the same request again
    sends it.

    Args:
        allocation_id (str):
        body (SshKeysBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Allocation | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        allocation_id=allocation_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    allocation_id: str,
    *,
    client: AuthenticatedClient,
    body: SshKeysBody,
) -> Allocation | ErrorEnvelope | None:
    """Replace an active allocation's SSH keys

     Owners, admins and members; an API key with the `write` scope may too. `ssh_key_ids` (your own SSH
    keys, 1 to 32) replace the keys that open the allocation. The change, its
    `allocation.ssh_keys_changed` event, an audit record (`allocations:ssh_keys`) and a `sync_keys`
    command for the node's agent are one transaction; the command then goes to the node's queue and the
    agent rewrites the allocation's authorized_keys within seconds: new connections use the new keys
    (open sessions stay). Only an `active` allocation's keys change (409 INVALID_ALLOCATION_STATE
    otherwise). 503 when the command could not be queued: the keys are saved, and the same request again
    sends it.

    Args:
        allocation_id (str):
        body (SshKeysBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Allocation | ErrorEnvelope
    """

    return (
        await asyncio_detailed(
            allocation_id=allocation_id,
            client=client,
            body=body,
        )
    ).parsed
