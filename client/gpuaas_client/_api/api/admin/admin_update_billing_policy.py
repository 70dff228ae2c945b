from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.billing_policy import BillingPolicy
from ...models.billing_policy_body import BillingPolicyBody
from ...models.error_envelope import ErrorEnvelope
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: BillingPolicyBody,
    if_match: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/admin/billing-policy",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BillingPolicy | ErrorEnvelope | None:
    if response.status_code == 200:
        response_200 = BillingPolicy.from_dict(response.json())

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

    if response.status_code == 412:
        response_412 = ErrorEnvelope.from_dict(response.json())

        return response_412

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
) -> Response[BillingPolicy | ErrorEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: BillingPolicyBody,
    if_match: str | Unset = UNSET,
) -> Response[BillingPolicy | ErrorEnvelope]:
    """Change the billing policy

     Send the fields to change (at least one); the others keep their value, and `version` goes up by one.
    Send `If-Match` with the ETag you read to make the write conditional. Takes effect at once for
    admission, alerts and force-release (the welcome credit for wallets opened from now on). Audited as
    `admin:billing_policy:update`; emits `billing.policy_changed`.

    Args:
        if_match (str | Unset):
        body (BillingPolicyBody): At least one field; null or absent fields keep their value.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BillingPolicy | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        body=body,
        if_match=if_match,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: BillingPolicyBody,
    if_match: str | Unset = UNSET,
) -> BillingPolicy | ErrorEnvelope | None:
    """Change the billing policy

     Send the fields to change (at least one); the others keep their value, and `version` goes up by one.
    Send `If-Match` with the ETag you read to make the write conditional. Takes effect at once for
    admission, alerts and force-release (the welcome credit for wallets opened from now on). Audited as
    `admin:billing_policy:update`; emits `billing.policy_changed`.

    Args:
        if_match (str | Unset):
        body (BillingPolicyBody): At least one field; null or absent fields keep their value.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BillingPolicy | ErrorEnvelope
    """

    return sync_detailed(
        client=client,
        body=body,
        if_match=if_match,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: BillingPolicyBody,
    if_match: str | Unset = UNSET,
) -> Response[BillingPolicy | ErrorEnvelope]:
    """Change the billing policy

     Send the fields to change (at least one); the others keep their value, and `version` goes up by one.
    Send `If-Match` with the ETag you read to make the write conditional. Takes effect at once for
    admission, alerts and force-release (the welcome credit for wallets opened from now on). Audited as
    `admin:billing_policy:update`; emits `billing.policy_changed`.

    Args:
        if_match (str | Unset):
        body (BillingPolicyBody): At least one field; null or absent fields keep their value.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BillingPolicy | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        body=body,
        if_match=if_match,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: BillingPolicyBody,
    if_match: str | Unset = UNSET,
) -> BillingPolicy | ErrorEnvelope | None:
    """Change the billing policy

     Send the fields to change (at least one); the others keep their value, and `version` goes up by one.
    Send `If-Match` with the ETag you read to make the write conditional. Takes effect at once for
    admission, alerts and force-release (the welcome credit for wallets opened from now on). Audited as
    `admin:billing_policy:update`; emits `billing.policy_changed`.

    Args:
        if_match (str | Unset):
        body (BillingPolicyBody): At least one field; null or absent fields keep their value.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BillingPolicy | ErrorEnvelope
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            if_match=if_match,
        )
    ).parsed
