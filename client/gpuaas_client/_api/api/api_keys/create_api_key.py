from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_api_key_body import CreateApiKeyBody
from ...models.error_envelope import ErrorEnvelope
from ...models.new_api_key import NewApiKey
from ...types import Response


def _get_kwargs(
    *,
    body: CreateApiKeyBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/api-keys",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | NewApiKey | None:
    if response.status_code == 201:
        response_201 = NewApiKey.from_dict(response.json())

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
) -> Response[ErrorEnvelope | NewApiKey]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateApiKeyBody,
) -> Response[ErrorEnvelope | NewApiKey]:
    """Create an API key

     Owners, admins and members, in a session (not with an API key). The key carries its creator's role
    in the org; `scopes` narrow it further: `read`, `write`, or org actions such as `members:read`
    (`api_keys:write`, `members:write` and `auth:logout` are session-only and refused).
    `expires_in_days` defaults to, and may not exceed, the configured maximum (365). Not idempotent on
    purpose (a replayed answer would have to store the secret): a client that lost the response revokes
    the key and creates another.

    Args:
        body (CreateApiKeyBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | NewApiKey]
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
    client: AuthenticatedClient,
    body: CreateApiKeyBody,
) -> ErrorEnvelope | NewApiKey | None:
    """Create an API key

     Owners, admins and members, in a session (not with an API key). The key carries its creator's role
    in the org; `scopes` narrow it further: `read`, `write`, or org actions such as `members:read`
    (`api_keys:write`, `members:write` and `auth:logout` are session-only and refused).
    `expires_in_days` defaults to, and may not exceed, the configured maximum (365). Not idempotent on
    purpose (a replayed answer would have to store the secret): a client that lost the response revokes
    the key and creates another.

    Args:
        body (CreateApiKeyBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | NewApiKey
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateApiKeyBody,
) -> Response[ErrorEnvelope | NewApiKey]:
    """Create an API key

     Owners, admins and members, in a session (not with an API key). The key carries its creator's role
    in the org; `scopes` narrow it further: `read`, `write`, or org actions such as `members:read`
    (`api_keys:write`, `members:write` and `auth:logout` are session-only and refused).
    `expires_in_days` defaults to, and may not exceed, the configured maximum (365). Not idempotent on
    purpose (a replayed answer would have to store the secret): a client that lost the response revokes
    the key and creates another.

    Args:
        body (CreateApiKeyBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | NewApiKey]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: CreateApiKeyBody,
) -> ErrorEnvelope | NewApiKey | None:
    """Create an API key

     Owners, admins and members, in a session (not with an API key). The key carries its creator's role
    in the org; `scopes` narrow it further: `read`, `write`, or org actions such as `members:read`
    (`api_keys:write`, `members:write` and `auth:logout` are session-only and refused).
    `expires_in_days` defaults to, and may not exceed, the configured maximum (365). Not idempotent on
    purpose (a replayed answer would have to store the secret): a client that lost the response revokes
    the key and creates another.

    Args:
        body (CreateApiKeyBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | NewApiKey
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
