"""The terminal WebSocket API's @connections management API (PostToConnection, DeleteConnection).

The endpoint is the API's stage URL over HTTPS (``GPUAAS_TERMINAL_MANAGEMENT_URL``, set by the
template); the local cloud points it at its own WebSocket server's management API.
"""

from __future__ import annotations

import logging
from functools import cached_property
from typing import Any

from chalicelib.core.settings import get_settings

logger = logging.getLogger(__name__)


class ApiGatewayConnections:
    def __init__(self, endpoint_url: str | None = None) -> None:
        self._endpoint_url = endpoint_url

    @cached_property
    def _client(self) -> Any:
        import boto3

        settings = get_settings()
        return boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=self._endpoint_url or settings.terminal_management_url,
            region_name=settings.region,
        )

    def post(self, connection_id: str, data: str) -> bool:
        try:
            self._client.post_to_connection(ConnectionId=connection_id, Data=data.encode())
        except self._client.exceptions.GoneException:
            return False
        return True

    def disconnect(self, connection_id: str) -> bool:
        try:
            self._client.delete_connection(ConnectionId=connection_id)
        except self._client.exceptions.GoneException:
            return False
        return True

    def describe(self, connection_id: str) -> dict[str, Any] | None:
        """GetConnection: when it connected and was last active; None when it is gone."""
        try:
            answer: dict[str, Any] = self._client.get_connection(ConnectionId=connection_id)
        except self._client.exceptions.GoneException:
            return None
        return answer
