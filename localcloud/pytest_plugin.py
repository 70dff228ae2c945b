"""pytest fixtures for the local cloud. Enable with ``pytest_plugins = ["localcloud.pytest_plugin"]``.

- ``local_cloud`` (session): one LocalCloud for the whole run, API and WebSocket API on free ports, pollers in manual
  mode (events flow only inside ``cloud.drain()``), failed SQS messages retried at once.
- ``cloud`` (function): the same cloud, reset (all data wiped, handler overrides removed) before the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from localcloud.cloud import LocalCloud


@pytest.fixture(scope="session")
def local_cloud() -> Iterator[LocalCloud]:
    from localcloud.cloud import LocalCloud

    cloud = LocalCloud(api_port=0, ws_port=0, pollers="manual", retry_failed_after=0).start()
    try:
        yield cloud
    finally:
        cloud.stop()


@pytest.fixture
def cloud(local_cloud: LocalCloud) -> LocalCloud:
    local_cloud.reset()
    return local_cloud
