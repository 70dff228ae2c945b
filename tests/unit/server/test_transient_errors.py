from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from pynamodb.exceptions import GetError

from chalicelib.api.routing import _is_transient

pytestmark = pytest.mark.unit


def test_dependency_outages_and_throttling_are_transient():
    unreachable = EndpointConnectionError(endpoint_url="http://127.0.0.1:1/")
    assert _is_transient(unreachable)
    try:
        try:
            raise unreachable
        except EndpointConnectionError as cause:
            raise GetError("Failed to get item", cause) from cause
    except GetError as wrapped:
        assert _is_transient(wrapped)
    throttled = ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "GetItem")
    assert _is_transient(throttled)


def test_bugs_are_not_transient():
    assert not _is_transient(KeyError("x"))
    assert not _is_transient(ClientError({"Error": {"Code": "ValidationException"}}, "Query"))
