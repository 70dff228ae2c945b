from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.open_terminal_body import OpenTerminalBody
from ...models.terminal_ticket import TerminalTicket
from ...types import Response


def _get_kwargs(
    allocation_id: str,
    *,
    body: OpenTerminalBody,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/allocations/{allocation_id}/terminal".format(
            allocation_id=quote(str(allocation_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | TerminalTicket | None:
    if response.status_code == 201:
        response_201 = TerminalTicket.from_dict(response.json())

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
) -> Response[ErrorEnvelope | TerminalTicket]:
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
    body: OpenTerminalBody,
) -> Response[ErrorEnvelope | TerminalTicket]:
    """A ticket to the allocation's terminal

     Owners, admins and members; an API key with the `write` scope (or `terminal:open`) may too. Opens a
    terminal session of an `active` allocation (`kind` `shell`: a login shell in the allocation's
    sandbox; `ssh`: the byte stream of its sshd, for `gpuaas ssh --relay`), or, with `session_id`,
    resumes one of your own open sessions. The answer is a one-time `ticket` (`tkt_…`, valid for
    `GPUAAS_TERMINAL_TICKET_TTL_SECONDS`, 60 s by default, used once; the platform keeps its SHA-256
    hash only, `Cache-Control: no-store`) and the terminal gateway's WebSocket `url`: connect to
    `url?ticket=<ticket>` (doc/terminal.md). Not idempotent: a client that lost the answer asks again.
    The first connection of a session is audited as `terminal:open` (event `terminal.opened`), its end
    as `terminal:close` (event `terminal.closed`).

    Args:
        allocation_id (str):
        body (OpenTerminalBody): A new session (`kind`, `cols`, `rows`), or `session_id` to resume
            one of your own (then the others are the session's own and ignored).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | TerminalTicket]
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
    body: OpenTerminalBody,
) -> ErrorEnvelope | TerminalTicket | None:
    """A ticket to the allocation's terminal

     Owners, admins and members; an API key with the `write` scope (or `terminal:open`) may too. Opens a
    terminal session of an `active` allocation (`kind` `shell`: a login shell in the allocation's
    sandbox; `ssh`: the byte stream of its sshd, for `gpuaas ssh --relay`), or, with `session_id`,
    resumes one of your own open sessions. The answer is a one-time `ticket` (`tkt_…`, valid for
    `GPUAAS_TERMINAL_TICKET_TTL_SECONDS`, 60 s by default, used once; the platform keeps its SHA-256
    hash only, `Cache-Control: no-store`) and the terminal gateway's WebSocket `url`: connect to
    `url?ticket=<ticket>` (doc/terminal.md). Not idempotent: a client that lost the answer asks again.
    The first connection of a session is audited as `terminal:open` (event `terminal.opened`), its end
    as `terminal:close` (event `terminal.closed`).

    Args:
        allocation_id (str):
        body (OpenTerminalBody): A new session (`kind`, `cols`, `rows`), or `session_id` to resume
            one of your own (then the others are the session's own and ignored).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | TerminalTicket
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
    body: OpenTerminalBody,
) -> Response[ErrorEnvelope | TerminalTicket]:
    """A ticket to the allocation's terminal

     Owners, admins and members; an API key with the `write` scope (or `terminal:open`) may too. Opens a
    terminal session of an `active` allocation (`kind` `shell`: a login shell in the allocation's
    sandbox; `ssh`: the byte stream of its sshd, for `gpuaas ssh --relay`), or, with `session_id`,
    resumes one of your own open sessions. The answer is a one-time `ticket` (`tkt_…`, valid for
    `GPUAAS_TERMINAL_TICKET_TTL_SECONDS`, 60 s by default, used once; the platform keeps its SHA-256
    hash only, `Cache-Control: no-store`) and the terminal gateway's WebSocket `url`: connect to
    `url?ticket=<ticket>` (doc/terminal.md). Not idempotent: a client that lost the answer asks again.
    The first connection of a session is audited as `terminal:open` (event `terminal.opened`), its end
    as `terminal:close` (event `terminal.closed`).

    Args:
        allocation_id (str):
        body (OpenTerminalBody): A new session (`kind`, `cols`, `rows`), or `session_id` to resume
            one of your own (then the others are the session's own and ignored).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | TerminalTicket]
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
    body: OpenTerminalBody,
) -> ErrorEnvelope | TerminalTicket | None:
    """A ticket to the allocation's terminal

     Owners, admins and members; an API key with the `write` scope (or `terminal:open`) may too. Opens a
    terminal session of an `active` allocation (`kind` `shell`: a login shell in the allocation's
    sandbox; `ssh`: the byte stream of its sshd, for `gpuaas ssh --relay`), or, with `session_id`,
    resumes one of your own open sessions. The answer is a one-time `ticket` (`tkt_…`, valid for
    `GPUAAS_TERMINAL_TICKET_TTL_SECONDS`, 60 s by default, used once; the platform keeps its SHA-256
    hash only, `Cache-Control: no-store`) and the terminal gateway's WebSocket `url`: connect to
    `url?ticket=<ticket>` (doc/terminal.md). Not idempotent: a client that lost the answer asks again.
    The first connection of a session is audited as `terminal:open` (event `terminal.opened`), its end
    as `terminal:close` (event `terminal.closed`).

    Args:
        allocation_id (str):
        body (OpenTerminalBody): A new session (`kind`, `cols`, `rows`), or `session_id` to resume
            one of your own (then the others are the session's own and ignored).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | TerminalTicket
    """

    return (
        await asyncio_detailed(
            allocation_id=allocation_id,
            client=client,
            body=body,
        )
    ).parsed
