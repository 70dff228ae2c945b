from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.allocation import Allocation
from ...models.error_envelope import ErrorEnvelope
from ...models.force_release_body import ForceReleaseBody
from ...types import Response


def _get_kwargs(
    allocation_id: str,
    *,
    body: ForceReleaseBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/admin/allocations/{allocation_id}/force-release".format(
            allocation_id=quote(str(allocation_id), safe=""),
        ),
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
    body: ForceReleaseBody,
) -> Response[Allocation | ErrorEnvelope]:
    """Release any org's allocation

     For abuse or a failing host: releases the allocation as its owner's release would (an `active` one
    becomes `releasing` and billing stops now; a `pending` or `provisioning` one is released once
    built), with `release_reason` `operator: <reason>` on its `allocation.releasing` or
    `allocation.release_requested` event. Audited as `admin:allocations:force_release` in the same
    transaction. An allocation already releasing whose release workflow never started gets it started
    again.

    Args:
        allocation_id (str):
        body (ForceReleaseBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Allocation | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        allocation_id=allocation_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    allocation_id: str,
    *,
    client: AuthenticatedClient,
    body: ForceReleaseBody,
) -> Allocation | ErrorEnvelope | None:
    """Release any org's allocation

     For abuse or a failing host: releases the allocation as its owner's release would (an `active` one
    becomes `releasing` and billing stops now; a `pending` or `provisioning` one is released once
    built), with `release_reason` `operator: <reason>` on its `allocation.releasing` or
    `allocation.release_requested` event. Audited as `admin:allocations:force_release` in the same
    transaction. An allocation already releasing whose release workflow never started gets it started
    again.

    Args:
        allocation_id (str):
        body (ForceReleaseBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Allocation | ErrorEnvelope
    """

    return sync_detailed(
        allocation_id=allocation_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    allocation_id: str,
    *,
    client: AuthenticatedClient,
    body: ForceReleaseBody,
) -> Response[Allocation | ErrorEnvelope]:
    """Release any org's allocation

     For abuse or a failing host: releases the allocation as its owner's release would (an `active` one
    becomes `releasing` and billing stops now; a `pending` or `provisioning` one is released once
    built), with `release_reason` `operator: <reason>` on its `allocation.releasing` or
    `allocation.release_requested` event. Audited as `admin:allocations:force_release` in the same
    transaction. An allocation already releasing whose release workflow never started gets it started
    again.

    Args:
        allocation_id (str):
        body (ForceReleaseBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Allocation | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        allocation_id=allocation_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    allocation_id: str,
    *,
    client: AuthenticatedClient,
    body: ForceReleaseBody,
) -> Allocation | ErrorEnvelope | None:
    """Release any org's allocation

     For abuse or a failing host: releases the allocation as its owner's release would (an `active` one
    becomes `releasing` and billing stops now; a `pending` or `provisioning` one is released once
    built), with `release_reason` `operator: <reason>` on its `allocation.releasing` or
    `allocation.release_requested` event. Audited as `admin:allocations:force_release` in the same
    transaction. An allocation already releasing whose release workflow never started gets it started
    again.

    Args:
        allocation_id (str):
        body (ForceReleaseBody):

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
            body=body,
        )
    ).parsed
