from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.notification_preferences import NotificationPreferences
from ...models.notification_preferences_body import NotificationPreferencesBody
from ...types import Response


def _get_kwargs(
    *,
    body: NotificationPreferencesBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/me/notifications/preferences",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | NotificationPreferences | None:
    if response.status_code == 200:
        response_200 = NotificationPreferences.from_dict(response.json())

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
) -> Response[ErrorEnvelope | NotificationPreferences]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: NotificationPreferencesBody,
) -> Response[ErrorEnvelope | NotificationPreferences]:
    """Change your email notification preferences

     Every org role; an API key with the `write` scope (or `notifications:write`) may too. `email` maps
    categories to on or off; categories left out keep their setting. Money-critical categories
    (`balance_depleted`, `force_released`) cannot be turned off: `422 NOTIFICATION_CATEGORY_MANDATORY`.
    Audited as `notifications:preferences`.

    Args:
        body (NotificationPreferencesBody): Categories to turn on or off by email; those left out
            keep their setting.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | NotificationPreferences]
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
    body: NotificationPreferencesBody,
) -> ErrorEnvelope | NotificationPreferences | None:
    """Change your email notification preferences

     Every org role; an API key with the `write` scope (or `notifications:write`) may too. `email` maps
    categories to on or off; categories left out keep their setting. Money-critical categories
    (`balance_depleted`, `force_released`) cannot be turned off: `422 NOTIFICATION_CATEGORY_MANDATORY`.
    Audited as `notifications:preferences`.

    Args:
        body (NotificationPreferencesBody): Categories to turn on or off by email; those left out
            keep their setting.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | NotificationPreferences
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: NotificationPreferencesBody,
) -> Response[ErrorEnvelope | NotificationPreferences]:
    """Change your email notification preferences

     Every org role; an API key with the `write` scope (or `notifications:write`) may too. `email` maps
    categories to on or off; categories left out keep their setting. Money-critical categories
    (`balance_depleted`, `force_released`) cannot be turned off: `422 NOTIFICATION_CATEGORY_MANDATORY`.
    Audited as `notifications:preferences`.

    Args:
        body (NotificationPreferencesBody): Categories to turn on or off by email; those left out
            keep their setting.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | NotificationPreferences]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: NotificationPreferencesBody,
) -> ErrorEnvelope | NotificationPreferences | None:
    """Change your email notification preferences

     Every org role; an API key with the `write` scope (or `notifications:write`) may too. `email` maps
    categories to on or off; categories left out keep their setting. Money-critical categories
    (`balance_depleted`, `force_released`) cannot be turned off: `422 NOTIFICATION_CATEGORY_MANDATORY`.
    Audited as `notifications:preferences`.

    Args:
        body (NotificationPreferencesBody): Categories to turn on or off by email; those left out
            keep their setting.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | NotificationPreferences
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
