from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.dev_session import DevSession
from ...models.dev_token_body import DevTokenBody
from ...models.error_envelope import ErrorEnvelope
from ...types import Response


def _get_kwargs(
    *,
    body: DevTokenBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/dev/token",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DevSession | ErrorEnvelope | None:
    if response.status_code == 200:
        response_200 = DevSession.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorEnvelope.from_dict(response.json())

        return response_400

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
) -> Response[DevSession | ErrorEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: DevTokenBody,
) -> Response[DevSession | ErrorEnvelope]:
    """Sign in as anyone (local stage only)

     Exists only when the stage is `local`: anyone may sign in as any user, in any org (created on
    demand), with any role (`operator` is the platform operator, also an owner of the org). Returns a
    real GPUaaS session plus the dev issuer's OIDC `id_token` for the same user, which `POST
    /v1/auth/token` accepts like any configured issuer's.

    Args:
        body (DevTokenBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DevSession | ErrorEnvelope]
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
    body: DevTokenBody,
) -> DevSession | ErrorEnvelope | None:
    """Sign in as anyone (local stage only)

     Exists only when the stage is `local`: anyone may sign in as any user, in any org (created on
    demand), with any role (`operator` is the platform operator, also an owner of the org). Returns a
    real GPUaaS session plus the dev issuer's OIDC `id_token` for the same user, which `POST
    /v1/auth/token` accepts like any configured issuer's.

    Args:
        body (DevTokenBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DevSession | ErrorEnvelope
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: DevTokenBody,
) -> Response[DevSession | ErrorEnvelope]:
    """Sign in as anyone (local stage only)

     Exists only when the stage is `local`: anyone may sign in as any user, in any org (created on
    demand), with any role (`operator` is the platform operator, also an owner of the org). Returns a
    real GPUaaS session plus the dev issuer's OIDC `id_token` for the same user, which `POST
    /v1/auth/token` accepts like any configured issuer's.

    Args:
        body (DevTokenBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DevSession | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: DevTokenBody,
) -> DevSession | ErrorEnvelope | None:
    """Sign in as anyone (local stage only)

     Exists only when the stage is `local`: anyone may sign in as any user, in any org (created on
    demand), with any role (`operator` is the platform operator, also an owner of the org). Returns a
    real GPUaaS session plus the dev issuer's OIDC `id_token` for the same user, which `POST
    /v1/auth/token` accepts like any configured issuer's.

    Args:
        body (DevTokenBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DevSession | ErrorEnvelope
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
