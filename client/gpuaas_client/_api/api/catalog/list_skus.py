from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.sku_page import SkuPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    gpu_model: str | Unset = UNSET,
    min_gpus: int | Unset = UNSET,
    region: str | Unset = UNSET,
    max_price_per_hour_micros: int | Unset = UNSET,
    available: bool | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["cursor"] = cursor

    params["gpu_model"] = gpu_model

    params["min_gpus"] = min_gpus

    params["region"] = region

    params["max_price_per_hour_micros"] = max_price_per_hour_micros

    params["available"] = available

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/skus",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | SkuPage | None:
    if response.status_code == 200:
        response_200 = SkuPage.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorEnvelope.from_dict(response.json())

        return response_400

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
) -> Response[ErrorEnvelope | SkuPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    gpu_model: str | Unset = UNSET,
    min_gpus: int | Unset = UNSET,
    region: str | Unset = UNSET,
    max_price_per_hour_micros: int | Unset = UNSET,
    available: bool | Unset = UNSET,
) -> Response[ErrorEnvelope | SkuPage]:
    """List rentable SKUs

     Active SKUs, ordered by region, GPU model, GPU count and id. `available=true` keeps SKUs with at
    least one free slot. Filters combine with AND; a page may hold fewer than `limit` items while
    `next_cursor` is not null.

    Args:
        limit (int | Unset):
        cursor (str | Unset):
        gpu_model (str | Unset):
        min_gpus (int | Unset):
        region (str | Unset):
        max_price_per_hour_micros (int | Unset):
        available (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | SkuPage]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        gpu_model=gpu_model,
        min_gpus=min_gpus,
        region=region,
        max_price_per_hour_micros=max_price_per_hour_micros,
        available=available,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    gpu_model: str | Unset = UNSET,
    min_gpus: int | Unset = UNSET,
    region: str | Unset = UNSET,
    max_price_per_hour_micros: int | Unset = UNSET,
    available: bool | Unset = UNSET,
) -> ErrorEnvelope | SkuPage | None:
    """List rentable SKUs

     Active SKUs, ordered by region, GPU model, GPU count and id. `available=true` keeps SKUs with at
    least one free slot. Filters combine with AND; a page may hold fewer than `limit` items while
    `next_cursor` is not null.

    Args:
        limit (int | Unset):
        cursor (str | Unset):
        gpu_model (str | Unset):
        min_gpus (int | Unset):
        region (str | Unset):
        max_price_per_hour_micros (int | Unset):
        available (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | SkuPage
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        gpu_model=gpu_model,
        min_gpus=min_gpus,
        region=region,
        max_price_per_hour_micros=max_price_per_hour_micros,
        available=available,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    gpu_model: str | Unset = UNSET,
    min_gpus: int | Unset = UNSET,
    region: str | Unset = UNSET,
    max_price_per_hour_micros: int | Unset = UNSET,
    available: bool | Unset = UNSET,
) -> Response[ErrorEnvelope | SkuPage]:
    """List rentable SKUs

     Active SKUs, ordered by region, GPU model, GPU count and id. `available=true` keeps SKUs with at
    least one free slot. Filters combine with AND; a page may hold fewer than `limit` items while
    `next_cursor` is not null.

    Args:
        limit (int | Unset):
        cursor (str | Unset):
        gpu_model (str | Unset):
        min_gpus (int | Unset):
        region (str | Unset):
        max_price_per_hour_micros (int | Unset):
        available (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | SkuPage]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        gpu_model=gpu_model,
        min_gpus=min_gpus,
        region=region,
        max_price_per_hour_micros=max_price_per_hour_micros,
        available=available,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
    gpu_model: str | Unset = UNSET,
    min_gpus: int | Unset = UNSET,
    region: str | Unset = UNSET,
    max_price_per_hour_micros: int | Unset = UNSET,
    available: bool | Unset = UNSET,
) -> ErrorEnvelope | SkuPage | None:
    """List rentable SKUs

     Active SKUs, ordered by region, GPU model, GPU count and id. `available=true` keeps SKUs with at
    least one free slot. Filters combine with AND; a page may hold fewer than `limit` items while
    `next_cursor` is not null.

    Args:
        limit (int | Unset):
        cursor (str | Unset):
        gpu_model (str | Unset):
        min_gpus (int | Unset):
        region (str | Unset):
        max_price_per_hour_micros (int | Unset):
        available (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | SkuPage
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            gpu_model=gpu_model,
            min_gpus=min_gpus,
            region=region,
            max_price_per_hour_micros=max_price_per_hour_micros,
            available=available,
        )
    ).parsed
