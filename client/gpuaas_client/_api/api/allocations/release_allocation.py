from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.allocation import Allocation
from ...models.error_envelope import ErrorEnvelope
from ...types import UNSET, Response, Unset


def _get_kwargs(
    allocation_id: str,
    *,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/allocations/{allocation_id}/release".format(
            allocation_id=quote(str(allocation_id), safe=""),
        ),
    }

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
    idempotency_key: str | Unset = UNSET,
) -> Response[Allocation | ErrorEnvelope]:
    """Give the slots back

     Owners, admins and members; an API key with the `write` scope (or `allocations:release`) may too.
    Allowed while `allowed_actions` holds `release`: an `active` allocation becomes `releasing` (billing
    stops now) and the agent removes the workload and wipes the slots, then it is `released` and its
    slots are back in the pool. A `pending` or `provisioning` allocation records the request
    (`release_requested_at`, `allowed_actions` empty) and is released as soon as it is built, or fails.
    Releasing again, or a `releasing`, `released` or `failed` allocation, is 409
    INVALID_ALLOCATION_STATE; with the same `Idempotency-Key` a retry gets the first answer instead.
    Never refused by the platform's rate limits (no `RateLimit-*` headers): only API Gateway's
    throttling can answer 429. Emits `allocation.releasing` or `allocation.release_requested`.

    Args:
        allocation_id (str):
        idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Allocation | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        allocation_id=allocation_id,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    allocation_id: str,
    *,
    client: AuthenticatedClient,
    idempotency_key: str | Unset = UNSET,
) -> Allocation | ErrorEnvelope | None:
    """Give the slots back

     Owners, admins and members; an API key with the `write` scope (or `allocations:release`) may too.
    Allowed while `allowed_actions` holds `release`: an `active` allocation becomes `releasing` (billing
    stops now) and the agent removes the workload and wipes the slots, then it is `released` and its
    slots are back in the pool. A `pending` or `provisioning` allocation records the request
    (`release_requested_at`, `allowed_actions` empty) and is released as soon as it is built, or fails.
    Releasing again, or a `releasing`, `released` or `failed` allocation, is 409
    INVALID_ALLOCATION_STATE; with the same `Idempotency-Key` a retry gets the first answer instead.
    Never refused by the platform's rate limits (no `RateLimit-*` headers): only API Gateway's
    throttling can answer 429. Emits `allocation.releasing` or `allocation.release_requested`.

    Args:
        allocation_id (str):
        idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Allocation | ErrorEnvelope
    """

    return sync_detailed(
        allocation_id=allocation_id,
        client=client,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    allocation_id: str,
    *,
    client: AuthenticatedClient,
    idempotency_key: str | Unset = UNSET,
) -> Response[Allocation | ErrorEnvelope]:
    """Give the slots back

     Owners, admins and members; an API key with the `write` scope (or `allocations:release`) may too.
    Allowed while `allowed_actions` holds `release`: an `active` allocation becomes `releasing` (billing
    stops now) and the agent removes the workload and wipes the slots, then it is `released` and its
    slots are back in the pool. A `pending` or `provisioning` allocation records the request
    (`release_requested_at`, `allowed_actions` empty) and is released as soon as it is built, or fails.
    Releasing again, or a `releasing`, `released` or `failed` allocation, is 409
    INVALID_ALLOCATION_STATE; with the same `Idempotency-Key` a retry gets the first answer instead.
    Never refused by the platform's rate limits (no `RateLimit-*` headers): only API Gateway's
    throttling can answer 429. Emits `allocation.releasing` or `allocation.release_requested`.

    Args:
        allocation_id (str):
        idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Allocation | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        allocation_id=allocation_id,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    allocation_id: str,
    *,
    client: AuthenticatedClient,
    idempotency_key: str | Unset = UNSET,
) -> Allocation | ErrorEnvelope | None:
    """Give the slots back

     Owners, admins and members; an API key with the `write` scope (or `allocations:release`) may too.
    Allowed while `allowed_actions` holds `release`: an `active` allocation becomes `releasing` (billing
    stops now) and the agent removes the workload and wipes the slots, then it is `released` and its
    slots are back in the pool. A `pending` or `provisioning` allocation records the request
    (`release_requested_at`, `allowed_actions` empty) and is released as soon as it is built, or fails.
    Releasing again, or a `releasing`, `released` or `failed` allocation, is 409
    INVALID_ALLOCATION_STATE; with the same `Idempotency-Key` a retry gets the first answer instead.
    Never refused by the platform's rate limits (no `RateLimit-*` headers): only API Gateway's
    throttling can answer 429. Emits `allocation.releasing` or `allocation.release_requested`.

    Args:
        allocation_id (str):
        idempotency_key (str | Unset):

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
            idempotency_key=idempotency_key,
        )
    ).parsed
