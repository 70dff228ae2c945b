from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.session import Session
from ...models.token_body import TokenBody
from ...types import Response


def _get_kwargs(
    *,
    body: TokenBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/auth/token",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | Session | None:
    if response.status_code == 200:
        response_200 = Session.from_dict(response.json())

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
) -> Response[ErrorEnvelope | Session]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: TokenBody,
) -> Response[ErrorEnvelope | Session]:
    """Sign in (exchange an OIDC token) or refresh a session

     `grant_type=urn:ietf:params:oauth:grant-type:token-exchange` with `subject_token` (an ID or access
    token of a trusted OIDC issuer) signs in; the first sign-in creates the user and an org they own.
    `grant_type=refresh_token` with `refresh_token` refreshes: the refresh token is spent and a new one
    returned; presenting a spent one again revokes the whole session. `org_id` switches the session to
    another org of the user's.

    Args:
        body (TokenBody): Sign in (exchange an OIDC token) or refresh a session.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | Session]
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
    body: TokenBody,
) -> ErrorEnvelope | Session | None:
    """Sign in (exchange an OIDC token) or refresh a session

     `grant_type=urn:ietf:params:oauth:grant-type:token-exchange` with `subject_token` (an ID or access
    token of a trusted OIDC issuer) signs in; the first sign-in creates the user and an org they own.
    `grant_type=refresh_token` with `refresh_token` refreshes: the refresh token is spent and a new one
    returned; presenting a spent one again revokes the whole session. `org_id` switches the session to
    another org of the user's.

    Args:
        body (TokenBody): Sign in (exchange an OIDC token) or refresh a session.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | Session
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: TokenBody,
) -> Response[ErrorEnvelope | Session]:
    """Sign in (exchange an OIDC token) or refresh a session

     `grant_type=urn:ietf:params:oauth:grant-type:token-exchange` with `subject_token` (an ID or access
    token of a trusted OIDC issuer) signs in; the first sign-in creates the user and an org they own.
    `grant_type=refresh_token` with `refresh_token` refreshes: the refresh token is spent and a new one
    returned; presenting a spent one again revokes the whole session. `org_id` switches the session to
    another org of the user's.

    Args:
        body (TokenBody): Sign in (exchange an OIDC token) or refresh a session.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | Session]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: TokenBody,
) -> ErrorEnvelope | Session | None:
    """Sign in (exchange an OIDC token) or refresh a session

     `grant_type=urn:ietf:params:oauth:grant-type:token-exchange` with `subject_token` (an ID or access
    token of a trusted OIDC issuer) signs in; the first sign-in creates the user and an org they own.
    `grant_type=refresh_token` with `refresh_token` refreshes: the refresh token is spent and a new one
    returned; presenting a spent one again revokes the whole session. `org_id` switches the session to
    another org of the user's.

    Args:
        body (TokenBody): Sign in (exchange an OIDC token) or refresh a session.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | Session
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
