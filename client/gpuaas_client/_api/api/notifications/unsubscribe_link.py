from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.unsubscribed import Unsubscribed
from ...types import UNSET, Response


def _get_kwargs(
    *,
    token: str,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["token"] = token

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/notifications/unsubscribe",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | Unsubscribed | None:
    if response.status_code == 200:
        response_200 = Unsubscribed.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorEnvelope.from_dict(response.json())

        return response_400

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
) -> Response[ErrorEnvelope | Unsubscribed]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    token: str,
) -> Response[ErrorEnvelope | Unsubscribed]:
    """Unsubscribe from a category (the link in an email)

     No credentials: the signed `token` of the email's link is the credential (a JWT naming the user and
    the category, HS256 with a key derived from the platform's signing key, valid a year). Turns that
    category off by email for its user. Doing it again changes nothing; turning it back on is `PUT
    /v1/me/notifications/preferences`. A changed, expired or unknown token, or one for a money-critical
    category, is `400 UNSUBSCRIBE_TOKEN_INVALID`.

    Args:
        token (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | Unsubscribed]
    """

    kwargs = _get_kwargs(
        token=token,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    token: str,
) -> ErrorEnvelope | Unsubscribed | None:
    """Unsubscribe from a category (the link in an email)

     No credentials: the signed `token` of the email's link is the credential (a JWT naming the user and
    the category, HS256 with a key derived from the platform's signing key, valid a year). Turns that
    category off by email for its user. Doing it again changes nothing; turning it back on is `PUT
    /v1/me/notifications/preferences`. A changed, expired or unknown token, or one for a money-critical
    category, is `400 UNSUBSCRIBE_TOKEN_INVALID`.

    Args:
        token (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | Unsubscribed
    """

    return sync_detailed(
        client=client,
        token=token,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    token: str,
) -> Response[ErrorEnvelope | Unsubscribed]:
    """Unsubscribe from a category (the link in an email)

     No credentials: the signed `token` of the email's link is the credential (a JWT naming the user and
    the category, HS256 with a key derived from the platform's signing key, valid a year). Turns that
    category off by email for its user. Doing it again changes nothing; turning it back on is `PUT
    /v1/me/notifications/preferences`. A changed, expired or unknown token, or one for a money-critical
    category, is `400 UNSUBSCRIBE_TOKEN_INVALID`.

    Args:
        token (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | Unsubscribed]
    """

    kwargs = _get_kwargs(
        token=token,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    token: str,
) -> ErrorEnvelope | Unsubscribed | None:
    """Unsubscribe from a category (the link in an email)

     No credentials: the signed `token` of the email's link is the credential (a JWT naming the user and
    the category, HS256 with a key derived from the platform's signing key, valid a year). Turns that
    category off by email for its user. Doing it again changes nothing; turning it back on is `PUT
    /v1/me/notifications/preferences`. A changed, expired or unknown token, or one for a money-critical
    category, is `400 UNSUBSCRIBE_TOKEN_INVALID`.

    Args:
        token (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | Unsubscribed
    """

    return (
        await asyncio_detailed(
            client=client,
            token=token,
        )
    ).parsed
