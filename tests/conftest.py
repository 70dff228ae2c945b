"""Shared fixtures. The local cloud (moto server + API + pollers) comes from localcloud's plugin.

Temporary directories (``tmp_path``, ``tempfile``) live under a directory only this user may write to,
not under /tmp: the sandbox executor's sshd refuses (StrictModes) authorized_keys below a directory that
others may write to, and tests start real sshd in them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest

from localcloud.agents import private_temp_root

pytest_plugins = ["localcloud.pytest_plugin"]


def pytest_configure(config: pytest.Config) -> None:
    tempfile.tempdir = str(private_temp_root())


@pytest.fixture(autouse=True)
def _no_sshd_left_behind() -> Iterator[None]:
    """An sshd a test's sandbox executor started in this process does not outlive the test."""
    yield
    from gpuaas_agent.executors.sshd import stop_servers_under

    stop_servers_under(private_temp_root(), parent=os.getpid())
