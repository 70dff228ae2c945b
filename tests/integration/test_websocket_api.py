"""The local cloud's WebSocket API behaves as API Gateway's: $connect decides the upgrade with API
Gateway's event, the @connections API works through boto3, and the service's limits apply."""

from __future__ import annotations

import time

import boto3
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

pytestmark = pytest.mark.integration


@pytest.fixture
def ws(cloud):
    api = cloud.websocket_apis["TerminalApi"]
    events: list[dict] = []

    def record(status: int):
        def handler(event, context):
            events.append(event)
            return {"statusCode": status}

        return handler

    cloud.set_handler("TerminalConnectFunction", record(200))
    cloud.set_handler("TerminalDefaultFunction", record(200))
    cloud.set_handler("TerminalDisconnectFunction", record(200))
    manage = boto3.client("apigatewaymanagementapi", endpoint_url=api.management_url, region_name="us-east-1")
    yield api, events, record, manage


def _wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_connect_gets_api_gateways_event_and_the_management_api_reaches_the_connection(ws, cloud):
    api, events, _, manage = ws
    with connect(f"{api.url}?ticket=t1&x=2", additional_headers={"Authorization": "Bearer abc"}) as client:
        [connected] = events
        context = connected["requestContext"]
        assert (context["routeKey"], context["eventType"], context["stage"]) == ("$connect", "CONNECT", "local")
        assert connected["queryStringParameters"] == {"ticket": "t1", "x": "2"}
        assert connected["headers"]["Authorization"] == "Bearer abc"
        connection_id = context["connectionId"]
        assert api.connection_ids() == [connection_id]
        client.send('{"type":"ping"}')
        _wait_for(lambda: len(events) == 2)
        assert events[1]["body"] == '{"type":"ping"}' and events[1]["requestContext"]["routeKey"] == "$default"
        manage.post_to_connection(ConnectionId=connection_id, Data=b'{"type":"pong"}')
        assert client.recv(timeout=5) == '{"type":"pong"}'
        assert "ConnectedAt" in manage.get_connection(ConnectionId=connection_id)
        manage.delete_connection(ConnectionId=connection_id)
        with pytest.raises(ConnectionClosed):
            client.recv(timeout=5)
    _wait_for(lambda: len(events) == 3)
    assert events[2]["requestContext"]["routeKey"] == "$disconnect"
    with pytest.raises(manage.exceptions.GoneException):
        manage.post_to_connection(ConnectionId=connection_id, Data=b"x")
    with pytest.raises(manage.exceptions.GoneException):
        manage.get_connection(ConnectionId=connection_id)


def test_a_connect_answering_non_2xx_is_refused_with_403_and_a_raising_one_with_500(ws, cloud):
    api, _, record, _ = ws
    cloud.set_handler("TerminalConnectFunction", record(401))
    with pytest.raises(InvalidStatus) as refused:
        connect(api.url)
    assert refused.value.response.status_code == 403

    def boom(event, context):
        raise RuntimeError("broken")

    cloud.set_handler("TerminalConnectFunction", boom)
    with pytest.raises(InvalidStatus) as failed:
        connect(api.url)
    assert failed.value.response.status_code == 500
    assert api.connection_ids() == []


def test_the_service_limits_messages_and_closes_idle_connections(ws, cloud):
    api, events, _, manage = ws
    with connect(api.url) as client:
        # 130 KB in frames of 20 KB: each frame fits, the message does not.
        client.send(iter(["A" * 20_000] * 7))
        with pytest.raises(ConnectionClosed):
            client.recv(timeout=5)
        assert client.close_code == 1009
    idle, api.idle_timeout = api.idle_timeout, 0.3
    try:
        with connect(api.url) as client:
            with pytest.raises(ConnectionClosed):
                client.recv(timeout=5)
            assert client.close_code == 1001
    finally:
        api.idle_timeout = idle
    with connect(api.url) as client:
        connection_id = events[-1]["requestContext"]["connectionId"]
        with pytest.raises(manage.exceptions.PayloadTooLargeException):
            manage.post_to_connection(ConnectionId=connection_id, Data=b"A" * (128 * 1024 + 1))
