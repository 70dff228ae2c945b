from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.agent_logs_body import AgentLogsBody
from ...models.error_envelope import ErrorEnvelope
from ...models.log_batch_ack import LogBatchAck
from ...types import Response


def _get_kwargs(
    *,
    body: AgentLogsBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/agent/logs",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | LogBatchAck | None:
    if response.status_code == 200:
        response_200 = LogBatchAck.from_dict(response.json())

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

    if response.status_code == 404:
        response_404 = ErrorEnvelope.from_dict(response.json())

        return response_404

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
) -> Response[ErrorEnvelope | LogBatchAck]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: AgentLogsBody,
) -> Response[ErrorEnvelope | LogBatchAck]:
    """Ship a batch of log lines

     Node token only (`Authorization: Bearer gpn_<node_id>_<secret>`); a session or an API key is 403.
    Lines of the node's allocations' workloads (`stream`: the allocation id) and of the agent's own log
    (`stream`: `agent`), `events/agent/logs.request.v1.json`. A node writes only its own stream and the
    streams of allocations placed on it (another's is 404). The batch is checked whole before anything
    is stored: at most `GPUAAS_LOG_BATCH_MAX_LINES` (500) lines, `GPUAAS_LOG_BATCH_MAX_BYTES` (48 KiB)
    of messages and `GPUAAS_LOG_BATCH_MAX_STREAMS` (32) streams (413 LOG_BATCH_TOO_LARGE), each line at
    most `GPUAAS_LOG_LINE_MAX_BYTES` (8 KiB; 400 LOG_LINE_TOO_LONG), and no line older than
    `GPUAAS_LOG_MAX_AGE_SECONDS` or further ahead than `GPUAAS_LOG_MAX_FUTURE_SECONDS` (400
    LOG_TIME_OUT_OF_RANGE). Stored in CloudWatch Logs, each stream's lines in time order.

    Args:
        body (AgentLogsBody): A batch of an agent's lines (events/agent/logs.request.v1.json).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | LogBatchAck]
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
    body: AgentLogsBody,
) -> ErrorEnvelope | LogBatchAck | None:
    """Ship a batch of log lines

     Node token only (`Authorization: Bearer gpn_<node_id>_<secret>`); a session or an API key is 403.
    Lines of the node's allocations' workloads (`stream`: the allocation id) and of the agent's own log
    (`stream`: `agent`), `events/agent/logs.request.v1.json`. A node writes only its own stream and the
    streams of allocations placed on it (another's is 404). The batch is checked whole before anything
    is stored: at most `GPUAAS_LOG_BATCH_MAX_LINES` (500) lines, `GPUAAS_LOG_BATCH_MAX_BYTES` (48 KiB)
    of messages and `GPUAAS_LOG_BATCH_MAX_STREAMS` (32) streams (413 LOG_BATCH_TOO_LARGE), each line at
    most `GPUAAS_LOG_LINE_MAX_BYTES` (8 KiB; 400 LOG_LINE_TOO_LONG), and no line older than
    `GPUAAS_LOG_MAX_AGE_SECONDS` or further ahead than `GPUAAS_LOG_MAX_FUTURE_SECONDS` (400
    LOG_TIME_OUT_OF_RANGE). Stored in CloudWatch Logs, each stream's lines in time order.

    Args:
        body (AgentLogsBody): A batch of an agent's lines (events/agent/logs.request.v1.json).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | LogBatchAck
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: AgentLogsBody,
) -> Response[ErrorEnvelope | LogBatchAck]:
    """Ship a batch of log lines

     Node token only (`Authorization: Bearer gpn_<node_id>_<secret>`); a session or an API key is 403.
    Lines of the node's allocations' workloads (`stream`: the allocation id) and of the agent's own log
    (`stream`: `agent`), `events/agent/logs.request.v1.json`. A node writes only its own stream and the
    streams of allocations placed on it (another's is 404). The batch is checked whole before anything
    is stored: at most `GPUAAS_LOG_BATCH_MAX_LINES` (500) lines, `GPUAAS_LOG_BATCH_MAX_BYTES` (48 KiB)
    of messages and `GPUAAS_LOG_BATCH_MAX_STREAMS` (32) streams (413 LOG_BATCH_TOO_LARGE), each line at
    most `GPUAAS_LOG_LINE_MAX_BYTES` (8 KiB; 400 LOG_LINE_TOO_LONG), and no line older than
    `GPUAAS_LOG_MAX_AGE_SECONDS` or further ahead than `GPUAAS_LOG_MAX_FUTURE_SECONDS` (400
    LOG_TIME_OUT_OF_RANGE). Stored in CloudWatch Logs, each stream's lines in time order.

    Args:
        body (AgentLogsBody): A batch of an agent's lines (events/agent/logs.request.v1.json).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | LogBatchAck]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: AgentLogsBody,
) -> ErrorEnvelope | LogBatchAck | None:
    """Ship a batch of log lines

     Node token only (`Authorization: Bearer gpn_<node_id>_<secret>`); a session or an API key is 403.
    Lines of the node's allocations' workloads (`stream`: the allocation id) and of the agent's own log
    (`stream`: `agent`), `events/agent/logs.request.v1.json`. A node writes only its own stream and the
    streams of allocations placed on it (another's is 404). The batch is checked whole before anything
    is stored: at most `GPUAAS_LOG_BATCH_MAX_LINES` (500) lines, `GPUAAS_LOG_BATCH_MAX_BYTES` (48 KiB)
    of messages and `GPUAAS_LOG_BATCH_MAX_STREAMS` (32) streams (413 LOG_BATCH_TOO_LARGE), each line at
    most `GPUAAS_LOG_LINE_MAX_BYTES` (8 KiB; 400 LOG_LINE_TOO_LONG), and no line older than
    `GPUAAS_LOG_MAX_AGE_SECONDS` or further ahead than `GPUAAS_LOG_MAX_FUTURE_SECONDS` (400
    LOG_TIME_OUT_OF_RANGE). Stored in CloudWatch Logs, each stream's lines in time order.

    Args:
        body (AgentLogsBody): A batch of an agent's lines (events/agent/logs.request.v1.json).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | LogBatchAck
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
