"""The local cloud: infra/template.yaml realised on an in-process moto server (see doc/local-cloud.md).

Importing this package starts nothing; ``LocalCloud(...).start()`` or ``python -m localcloud run`` does.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LocalCloud"]


def __getattr__(name: str) -> Any:
    # Lazy: importing localcloud (e.g. as a pytest plugin) must not pull in moto and boto3.
    if name == "LocalCloud":
        from localcloud.cloud import LocalCloud

        return LocalCloud
    raise AttributeError(name)
