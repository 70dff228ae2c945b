from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.command_result_ack import CommandResultAck
from ...models.command_result_body import CommandResultBody
from ...models.error_envelope import ErrorEnvelope
from ...types import Response


def _get_kwargs(
    command_id: str,
    *,
    body: CommandResultBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/agent/commands/{command_id}/result".format(
            command_id=quote(str(command_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CommandResultAck | ErrorEnvelope | None:
    if response.status_code == 200:
        response_200 = CommandResultAck.from_dict(response.json())

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
) -> Response[CommandResultAck | ErrorEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    command_id: str,
    *,
    client: AuthenticatedClient,
    body: CommandResultBody,
) -> Response[CommandResultAck | ErrorEnvelope]:
    """Report what a command did

     Node token only (`Authorization: Bearer gpn_<node_id>_<secret>`); a session or an API key is 403.
    The agent's result for one of its node's commands (`events/agent/result.v1.json`): `succeeded` with
    the output the command type defines (a provision: `ssh_host`, `ssh_port`, `ssh_user`; a release:
    `wiped`), or `failed` / `rejected` with a `reason`. It resumes the workflow waiting for the command.
    A result no workflow waits for any more is still accepted (`late: true`): a provision built after it
    was given up is wiped again, and a wipe confirmed after its release finished returns the slots to
    the pool. Each command takes one result: another report is 409 COMMAND_ALREADY_REPORTED. Another
    node's command is 404.

    Args:
        command_id (str):
        body (CommandResultBody): The agent's result for one command
            (events/agent/result.v1.json).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CommandResultAck | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        command_id=command_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    command_id: str,
    *,
    client: AuthenticatedClient,
    body: CommandResultBody,
) -> CommandResultAck | ErrorEnvelope | None:
    """Report what a command did

     Node token only (`Authorization: Bearer gpn_<node_id>_<secret>`); a session or an API key is 403.
    The agent's result for one of its node's commands (`events/agent/result.v1.json`): `succeeded` with
    the output the command type defines (a provision: `ssh_host`, `ssh_port`, `ssh_user`; a release:
    `wiped`), or `failed` / `rejected` with a `reason`. It resumes the workflow waiting for the command.
    A result no workflow waits for any more is still accepted (`late: true`): a provision built after it
    was given up is wiped again, and a wipe confirmed after its release finished returns the slots to
    the pool. Each command takes one result: another report is 409 COMMAND_ALREADY_REPORTED. Another
    node's command is 404.

    Args:
        command_id (str):
        body (CommandResultBody): The agent's result for one command
            (events/agent/result.v1.json).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CommandResultAck | ErrorEnvelope
    """

    return sync_detailed(
        command_id=command_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    command_id: str,
    *,
    client: AuthenticatedClient,
    body: CommandResultBody,
) -> Response[CommandResultAck | ErrorEnvelope]:
    """Report what a command did

     Node token only (`Authorization: Bearer gpn_<node_id>_<secret>`); a session or an API key is 403.
    The agent's result for one of its node's commands (`events/agent/result.v1.json`): `succeeded` with
    the output the command type defines (a provision: `ssh_host`, `ssh_port`, `ssh_user`; a release:
    `wiped`), or `failed` / `rejected` with a `reason`. It resumes the workflow waiting for the command.
    A result no workflow waits for any more is still accepted (`late: true`): a provision built after it
    was given up is wiped again, and a wipe confirmed after its release finished returns the slots to
    the pool. Each command takes one result: another report is 409 COMMAND_ALREADY_REPORTED. Another
    node's command is 404.

    Args:
        command_id (str):
        body (CommandResultBody): The agent's result for one command
            (events/agent/result.v1.json).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CommandResultAck | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        command_id=command_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    command_id: str,
    *,
    client: AuthenticatedClient,
    body: CommandResultBody,
) -> CommandResultAck | ErrorEnvelope | None:
    """Report what a command did

     Node token only (`Authorization: Bearer gpn_<node_id>_<secret>`); a session or an API key is 403.
    The agent's result for one of its node's commands (`events/agent/result.v1.json`): `succeeded` with
    the output the command type defines (a provision: `ssh_host`, `ssh_port`, `ssh_user`; a release:
    `wiped`), or `failed` / `rejected` with a `reason`. It resumes the workflow waiting for the command.
    A result no workflow waits for any more is still accepted (`late: true`): a provision built after it
    was given up is wiped again, and a wipe confirmed after its release finished returns the slots to
    the pool. Each command takes one result: another report is 409 COMMAND_ALREADY_REPORTED. Another
    node's command is 404.

    Args:
        command_id (str):
        body (CommandResultBody): The agent's result for one command
            (events/agent/result.v1.json).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CommandResultAck | ErrorEnvelope
    """

    return (
        await asyncio_detailed(
            command_id=command_id,
            client=client,
            body=body,
        )
    ).parsed
