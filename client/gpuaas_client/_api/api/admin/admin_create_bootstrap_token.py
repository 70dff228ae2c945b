from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.bootstrap_token_body import BootstrapTokenBody
from ...models.error_envelope import ErrorEnvelope
from ...models.new_bootstrap_token import NewBootstrapToken
from ...types import Response


def _get_kwargs(
    *,
    body: BootstrapTokenBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/admin/bootstrap-tokens",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | NewBootstrapToken | None:
    if response.status_code == 201:
        response_201 = NewBootstrapToken.from_dict(response.json())

        return response_201

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
) -> Response[ErrorEnvelope | NewBootstrapToken]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: BootstrapTokenBody,
) -> Response[ErrorEnvelope | NewBootstrapToken]:
    """Issue a bootstrap token for one host

     A single-use token, `gpb_<16 id characters>_<43 secret characters>`, with which one host's agent
    joins the fleet as a node of `sku_id` (`POST /v1/agent/register`). It expires after `ttl_seconds`
    (60 s up to `GPUAAS_BOOTSTRAP_TOKEN_MAX_TTL_SECONDS`, 7 days by default; 1 hour when omitted). The
    secret is in this response only (`Cache-Control: no-store`; the platform keeps its hash), which is
    why the create is not idempotent: a client that lost the response issues another. Audited as
    `admin:bootstrap_tokens:create`.

    Args:
        body (BootstrapTokenBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | NewBootstrapToken]
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
    body: BootstrapTokenBody,
) -> ErrorEnvelope | NewBootstrapToken | None:
    """Issue a bootstrap token for one host

     A single-use token, `gpb_<16 id characters>_<43 secret characters>`, with which one host's agent
    joins the fleet as a node of `sku_id` (`POST /v1/agent/register`). It expires after `ttl_seconds`
    (60 s up to `GPUAAS_BOOTSTRAP_TOKEN_MAX_TTL_SECONDS`, 7 days by default; 1 hour when omitted). The
    secret is in this response only (`Cache-Control: no-store`; the platform keeps its hash), which is
    why the create is not idempotent: a client that lost the response issues another. Audited as
    `admin:bootstrap_tokens:create`.

    Args:
        body (BootstrapTokenBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | NewBootstrapToken
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: BootstrapTokenBody,
) -> Response[ErrorEnvelope | NewBootstrapToken]:
    """Issue a bootstrap token for one host

     A single-use token, `gpb_<16 id characters>_<43 secret characters>`, with which one host's agent
    joins the fleet as a node of `sku_id` (`POST /v1/agent/register`). It expires after `ttl_seconds`
    (60 s up to `GPUAAS_BOOTSTRAP_TOKEN_MAX_TTL_SECONDS`, 7 days by default; 1 hour when omitted). The
    secret is in this response only (`Cache-Control: no-store`; the platform keeps its hash), which is
    why the create is not idempotent: a client that lost the response issues another. Audited as
    `admin:bootstrap_tokens:create`.

    Args:
        body (BootstrapTokenBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | NewBootstrapToken]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: BootstrapTokenBody,
) -> ErrorEnvelope | NewBootstrapToken | None:
    """Issue a bootstrap token for one host

     A single-use token, `gpb_<16 id characters>_<43 secret characters>`, with which one host's agent
    joins the fleet as a node of `sku_id` (`POST /v1/agent/register`). It expires after `ttl_seconds`
    (60 s up to `GPUAAS_BOOTSTRAP_TOKEN_MAX_TTL_SECONDS`, 7 days by default; 1 hour when omitted). The
    secret is in this response only (`Cache-Control: no-store`; the platform keeps its hash), which is
    why the create is not idempotent: a client that lost the response issues another. Audited as
    `admin:bootstrap_tokens:create`.

    Args:
        body (BootstrapTokenBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | NewBootstrapToken
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
