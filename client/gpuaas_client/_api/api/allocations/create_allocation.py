from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.allocation import Allocation
from ...models.create_allocation_body import CreateAllocationBody
from ...models.error_envelope import ErrorEnvelope
from ...types import Response


def _get_kwargs(
    *,
    body: CreateAllocationBody,
    idempotency_key: str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/allocations",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Allocation | ErrorEnvelope | None:
    if response.status_code == 202:
        response_202 = Allocation.from_dict(response.json())

        return response_202

    if response.status_code == 400:
        response_400 = ErrorEnvelope.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 402:
        response_402 = ErrorEnvelope.from_dict(response.json())

        return response_402

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
) -> Response[Allocation | ErrorEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateAllocationBody,
    idempotency_key: str,
) -> Response[Allocation | ErrorEnvelope]:
    """Rent GPU slots

     Owners, admins and members; an API key with the `write` scope (or `allocations:write`) may too.
    Claims `count` free slots of the SKU, all on one node (best fit: the node with the fewest free slots
    that still has `count`), and starts provisioning; the answer comes before the workload exists:
    follow `Location` until `state` is `active` (then `connection` says how to connect) or `failed`
    (then `reason` says why). `Idempotency-Key` is required: a retry with the same key gets the first
    answer and never rents twice. `count` is at most `GPUAAS_MAX_SLOTS_PER_ALLOCATION` (8 by default).
    `ssh_key_ids` are your own SSH keys to install; all of them when left out, and you need at least
    one. `price_per_hour_micros` is the SKU's price times `count`, fixed now. Billing admits it first:
    the org must not be frozen (403 ACCOUNT_FROZEN), must be under its daily spend cap (402
    SPEND_CAP_REACHED), and its balance now must cover the policy's minimum runway at its burn rate
    including this allocation (402 INSUFFICIENT_FUNDS). Billing starts when it becomes `active`. Emits
    `allocation.requested`.

    Args:
        idempotency_key (str):
        body (CreateAllocationBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Allocation | ErrorEnvelope]
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
    body: CreateAllocationBody,
    idempotency_key: str,
) -> Allocation | ErrorEnvelope | None:
    """Rent GPU slots

     Owners, admins and members; an API key with the `write` scope (or `allocations:write`) may too.
    Claims `count` free slots of the SKU, all on one node (best fit: the node with the fewest free slots
    that still has `count`), and starts provisioning; the answer comes before the workload exists:
    follow `Location` until `state` is `active` (then `connection` says how to connect) or `failed`
    (then `reason` says why). `Idempotency-Key` is required: a retry with the same key gets the first
    answer and never rents twice. `count` is at most `GPUAAS_MAX_SLOTS_PER_ALLOCATION` (8 by default).
    `ssh_key_ids` are your own SSH keys to install; all of them when left out, and you need at least
    one. `price_per_hour_micros` is the SKU's price times `count`, fixed now. Billing admits it first:
    the org must not be frozen (403 ACCOUNT_FROZEN), must be under its daily spend cap (402
    SPEND_CAP_REACHED), and its balance now must cover the policy's minimum runway at its burn rate
    including this allocation (402 INSUFFICIENT_FUNDS). Billing starts when it becomes `active`. Emits
    `allocation.requested`.

    Args:
        idempotency_key (str):
        body (CreateAllocationBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Allocation | ErrorEnvelope
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateAllocationBody,
    idempotency_key: str,
) -> Response[Allocation | ErrorEnvelope]:
    """Rent GPU slots

     Owners, admins and members; an API key with the `write` scope (or `allocations:write`) may too.
    Claims `count` free slots of the SKU, all on one node (best fit: the node with the fewest free slots
    that still has `count`), and starts provisioning; the answer comes before the workload exists:
    follow `Location` until `state` is `active` (then `connection` says how to connect) or `failed`
    (then `reason` says why). `Idempotency-Key` is required: a retry with the same key gets the first
    answer and never rents twice. `count` is at most `GPUAAS_MAX_SLOTS_PER_ALLOCATION` (8 by default).
    `ssh_key_ids` are your own SSH keys to install; all of them when left out, and you need at least
    one. `price_per_hour_micros` is the SKU's price times `count`, fixed now. Billing admits it first:
    the org must not be frozen (403 ACCOUNT_FROZEN), must be under its daily spend cap (402
    SPEND_CAP_REACHED), and its balance now must cover the policy's minimum runway at its burn rate
    including this allocation (402 INSUFFICIENT_FUNDS). Billing starts when it becomes `active`. Emits
    `allocation.requested`.

    Args:
        idempotency_key (str):
        body (CreateAllocationBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Allocation | ErrorEnvelope]
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
    body: CreateAllocationBody,
    idempotency_key: str,
) -> Allocation | ErrorEnvelope | None:
    """Rent GPU slots

     Owners, admins and members; an API key with the `write` scope (or `allocations:write`) may too.
    Claims `count` free slots of the SKU, all on one node (best fit: the node with the fewest free slots
    that still has `count`), and starts provisioning; the answer comes before the workload exists:
    follow `Location` until `state` is `active` (then `connection` says how to connect) or `failed`
    (then `reason` says why). `Idempotency-Key` is required: a retry with the same key gets the first
    answer and never rents twice. `count` is at most `GPUAAS_MAX_SLOTS_PER_ALLOCATION` (8 by default).
    `ssh_key_ids` are your own SSH keys to install; all of them when left out, and you need at least
    one. `price_per_hour_micros` is the SKU's price times `count`, fixed now. Billing admits it first:
    the org must not be frozen (403 ACCOUNT_FROZEN), must be under its daily spend cap (402
    SPEND_CAP_REACHED), and its balance now must cover the policy's minimum runway at its burn rate
    including this allocation (402 INSUFFICIENT_FUNDS). Billing starts when it becomes `active`. Emits
    `allocation.requested`.

    Args:
        idempotency_key (str):
        body (CreateAllocationBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Allocation | ErrorEnvelope
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
