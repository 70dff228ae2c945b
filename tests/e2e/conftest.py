from __future__ import annotations

import pytest

from chalicelib.core.settings import get_settings
from tests.e2e.helpers import ApiClient


@pytest.fixture
def api(cloud) -> ApiClient:
    client = ApiClient(cloud.api_url)
    # Sign the operator in and deliver the sign-up's events before the test starts, so that what
    # a test counts (items, events, batches) is only what the test itself caused.
    client.token("operator")
    cloud.drain()
    return client


@pytest.fixture
def table(cloud) -> str:
    return get_settings().table_name
