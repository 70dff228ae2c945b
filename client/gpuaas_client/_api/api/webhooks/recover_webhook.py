from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.webhook_recovery import WebhookRecovery
from ...types import UNSET, Response, Unset


def _get_kwargs(
    webhook_id: str,
    *,
    since: str,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    params: dict[str, Any] = {}

    params["since"] = since

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/webhooks/{webhook_id}/recover".format(
            webhook_id=quote(str(webhook_id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | WebhookRecovery | None:
    if response.status_code == 202:
        response_202 = WebhookRecovery.from_dict(response.json())

        return response_202

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
) -> Response[ErrorEnvelope | WebhookRecovery]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    webhook_id: str,
    *,
    client: AuthenticatedClient,
    since: str,
    idempotency_key: str | Unset = UNSET,
) -> Response[ErrorEnvelope | WebhookRecovery]:
    """Resend what failed since a time

     Owners and admins (an API key with the `write` scope or `webhooks:write`, made by one). Every
    delivery of the endpoint that failed since `since` (at most 14 days back) is sent again, one attempt
    each.

    Args:
        webhook_id (str):
        since (str):
        idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | WebhookRecovery]
    """

    kwargs = _get_kwargs(
        webhook_id=webhook_id,
        since=since,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    webhook_id: str,
    *,
    client: AuthenticatedClient,
    since: str,
    idempotency_key: str | Unset = UNSET,
) -> ErrorEnvelope | WebhookRecovery | None:
    """Resend what failed since a time

     Owners and admins (an API key with the `write` scope or `webhooks:write`, made by one). Every
    delivery of the endpoint that failed since `since` (at most 14 days back) is sent again, one attempt
    each.

    Args:
        webhook_id (str):
        since (str):
        idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | WebhookRecovery
    """

    return sync_detailed(
        webhook_id=webhook_id,
        client=client,
        since=since,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    webhook_id: str,
    *,
    client: AuthenticatedClient,
    since: str,
    idempotency_key: str | Unset = UNSET,
) -> Response[ErrorEnvelope | WebhookRecovery]:
    """Resend what failed since a time

     Owners and admins (an API key with the `write` scope or `webhooks:write`, made by one). Every
    delivery of the endpoint that failed since `since` (at most 14 days back) is sent again, one attempt
    each.

    Args:
        webhook_id (str):
        since (str):
        idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | WebhookRecovery]
    """

    kwargs = _get_kwargs(
        webhook_id=webhook_id,
        since=since,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    webhook_id: str,
    *,
    client: AuthenticatedClient,
    since: str,
    idempotency_key: str | Unset = UNSET,
) -> ErrorEnvelope | WebhookRecovery | None:
    """Resend what failed since a time

     Owners and admins (an API key with the `write` scope or `webhooks:write`, made by one). Every
    delivery of the endpoint that failed since `since` (at most 14 days back) is sent again, one attempt
    each.

    Args:
        webhook_id (str):
        since (str):
        idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | WebhookRecovery
    """

    return (
        await asyncio_detailed(
            webhook_id=webhook_id,
            client=client,
            since=since,
            idempotency_key=idempotency_key,
        )
    ).parsed
