from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.add_ssh_key_body import AddSshKeyBody
from ...models.error_envelope import ErrorEnvelope
from ...models.ssh_key import SshKey
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: AddSshKeyBody,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/ssh-keys",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorEnvelope | SshKey | None:
    if response.status_code == 201:
        response_201 = SshKey.from_dict(response.json())

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
) -> Response[ErrorEnvelope | SshKey]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: AddSshKeyBody,
    idempotency_key: str | Unset = UNSET,
) -> Response[ErrorEnvelope | SshKey]:
    """Add an SSH public key

     Owners, admins and members; an API key with the `write` scope (or `ssh_keys:write`) may too.
    `public_key` is one OpenSSH public key line, `<type> <base64> [comment]`: `ssh-ed25519`, `ecdsa-
    sha2-nistp256`/`384`/`521`, or `ssh-rsa` of at least the configured size (`GPUAAS_SSH_RSA_MIN_BITS`,
    2048 by default). Anything else (another type, a malformed or mismatched key, a short RSA key,
    several lines) is `400 VALIDATION_ERROR`. The key is the caller's own, used on the slots they rent.

    Args:
        idempotency_key (str | Unset):
        body (AddSshKeyBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | SshKey]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: AddSshKeyBody,
    idempotency_key: str | Unset = UNSET,
) -> ErrorEnvelope | SshKey | None:
    """Add an SSH public key

     Owners, admins and members; an API key with the `write` scope (or `ssh_keys:write`) may too.
    `public_key` is one OpenSSH public key line, `<type> <base64> [comment]`: `ssh-ed25519`, `ecdsa-
    sha2-nistp256`/`384`/`521`, or `ssh-rsa` of at least the configured size (`GPUAAS_SSH_RSA_MIN_BITS`,
    2048 by default). Anything else (another type, a malformed or mismatched key, a short RSA key,
    several lines) is `400 VALIDATION_ERROR`. The key is the caller's own, used on the slots they rent.

    Args:
        idempotency_key (str | Unset):
        body (AddSshKeyBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | SshKey
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: AddSshKeyBody,
    idempotency_key: str | Unset = UNSET,
) -> Response[ErrorEnvelope | SshKey]:
    """Add an SSH public key

     Owners, admins and members; an API key with the `write` scope (or `ssh_keys:write`) may too.
    `public_key` is one OpenSSH public key line, `<type> <base64> [comment]`: `ssh-ed25519`, `ecdsa-
    sha2-nistp256`/`384`/`521`, or `ssh-rsa` of at least the configured size (`GPUAAS_SSH_RSA_MIN_BITS`,
    2048 by default). Anything else (another type, a malformed or mismatched key, a short RSA key,
    several lines) is `400 VALIDATION_ERROR`. The key is the caller's own, used on the slots they rent.

    Args:
        idempotency_key (str | Unset):
        body (AddSshKeyBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | SshKey]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: AddSshKeyBody,
    idempotency_key: str | Unset = UNSET,
) -> ErrorEnvelope | SshKey | None:
    """Add an SSH public key

     Owners, admins and members; an API key with the `write` scope (or `ssh_keys:write`) may too.
    `public_key` is one OpenSSH public key line, `<type> <base64> [comment]`: `ssh-ed25519`, `ecdsa-
    sha2-nistp256`/`384`/`521`, or `ssh-rsa` of at least the configured size (`GPUAAS_SSH_RSA_MIN_BITS`,
    2048 by default). Anything else (another type, a malformed or mismatched key, a short RSA key,
    several lines) is `400 VALIDATION_ERROR`. The key is the caller's own, used on the slots they rent.

    Args:
        idempotency_key (str | Unset):
        body (AddSshKeyBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | SshKey
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
