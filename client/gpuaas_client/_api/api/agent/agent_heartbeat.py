from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.heartbeat_ack import HeartbeatAck
from ...models.heartbeat_body import HeartbeatBody
from ...types import Response


def _get_kwargs(
    *,
    body: HeartbeatBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/agent/heartbeat",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | HeartbeatAck | None:
    if response.status_code == 200:
        response_200 = HeartbeatAck.from_dict(response.json())

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
) -> Response[ErrorEnvelope | HeartbeatAck]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: HeartbeatBody,
) -> Response[ErrorEnvelope | HeartbeatAck]:
    """Report that the node is alive, with NVML telemetry

     Node token only (`Authorization: Bearer gpn_<node_id>_<secret>`); a session or an API key is 403,
    and so is a heartbeat whose `node_id` is not the token's node. Carries the NVML status
    (`nvml.available`, `driver_version`, `error`), one entry per GPU (memory, utilization, temperature,
    power, uncorrected ECC and XID errors; `null` where NVML cannot say) and the commands running. The
    answer says when to send the next one.

    Args:
        body (HeartbeatBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | HeartbeatAck]
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
    body: HeartbeatBody,
) -> ErrorEnvelope | HeartbeatAck | None:
    """Report that the node is alive, with NVML telemetry

     Node token only (`Authorization: Bearer gpn_<node_id>_<secret>`); a session or an API key is 403,
    and so is a heartbeat whose `node_id` is not the token's node. Carries the NVML status
    (`nvml.available`, `driver_version`, `error`), one entry per GPU (memory, utilization, temperature,
    power, uncorrected ECC and XID errors; `null` where NVML cannot say) and the commands running. The
    answer says when to send the next one.

    Args:
        body (HeartbeatBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | HeartbeatAck
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: HeartbeatBody,
) -> Response[ErrorEnvelope | HeartbeatAck]:
    """Report that the node is alive, with NVML telemetry

     Node token only (`Authorization: Bearer gpn_<node_id>_<secret>`); a session or an API key is 403,
    and so is a heartbeat whose `node_id` is not the token's node. Carries the NVML status
    (`nvml.available`, `driver_version`, `error`), one entry per GPU (memory, utilization, temperature,
    power, uncorrected ECC and XID errors; `null` where NVML cannot say) and the commands running. The
    answer says when to send the next one.

    Args:
        body (HeartbeatBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | HeartbeatAck]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: HeartbeatBody,
) -> ErrorEnvelope | HeartbeatAck | None:
    """Report that the node is alive, with NVML telemetry

     Node token only (`Authorization: Bearer gpn_<node_id>_<secret>`); a session or an API key is 403,
    and so is a heartbeat whose `node_id` is not the token's node. Carries the NVML status
    (`nvml.available`, `driver_version`, `error`), one entry per GPU (memory, utilization, temperature,
    power, uncorrected ECC and XID errors; `null` where NVML cannot say) and the commands running. The
    answer says when to send the next one.

    Args:
        body (HeartbeatBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | HeartbeatAck
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
