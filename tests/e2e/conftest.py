from __future__ import annotations

import pytest

from chalicelib.core.settings import get_settings
from tests.e2e.helpers import ApiClient


@pytest.fixture
def api(cloud) -> ApiClient:
    return ApiClient(cloud.api_url)


@pytest.fixture
def table(cloud) -> str:
    return get_settings().table_name
