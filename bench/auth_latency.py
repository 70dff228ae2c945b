"""The latency authentication adds to a warm request, and the DynamoDB requests it costs.

The real local cloud is started in-process (moto server, dev issuer, session signing key), and
requests go through the app's full pipeline with ``chalice.test.Client``: the in-process handler
path, so neither an HTTP server nor a socket to the API is timed (DynamoDB calls still go to the
local moto server over loopback, as every arm does). Pairs of routes do the same service call:

* ``GET /v1/skus/{id}`` with no token (the baseline) vs ``GET /v1/admin/skus/{id}`` with an
  operator session: the difference is verifying the session JWT with the platform's key.
* ``GET /v1/members?limit=1`` with an owner's session vs with that owner's API key (scope read):
  the key costs one GetItem of the key record.

Every request also spends one rate-limit UpdateItem (public, per IP; signed in, per user or key),
listed on its own. Arms are interleaved round by round after a warm-up, and the median is
reported; ratios are to the baseline measured in the same run. Network calls to the JWKS URL
during the warm phase are counted (expected 0: sessions are verified in process). Nothing here
asserts on time.
"""

from __future__ import annotations

import json
import os
import statistics
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench.common import sku_body
from bench.table import print_table

ROUNDS = 200
WARMUP = 10
HEADER = ("request", "median ms", "/ baseline", "/ via session", "DynamoDB per call", "rate-limit UpdateItem per call")
# High enough that ROUNDS + WARMUP calls per principal never hit a 429; the limiter still runs.
RATE_LIMITS = '{"read": 100000, "write": 100000, "auth": 100000, "public": 100000}'


class DynamoCounter:
    """Counts botocore calls by operation while ``active``; rate-limit updates (PK ``RATE#...``) apart."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.rate_updates = 0
        self.active = False

    @contextmanager
    def installed(self) -> Iterator[DynamoCounter]:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        counter = self

        def counting(client: Any, operation_name: str, api_params: Any) -> Any:
            if counter.active:
                pk = ((api_params.get("Key") or {}).get("PK") or {}).get("S", "")
                if operation_name == "UpdateItem" and pk.startswith("RATE#"):
                    counter.rate_updates += 1
                else:
                    counter.calls[f"{client.meta.service_model.service_name}:{operation_name}"] += 1
            return original(client, operation_name, api_params)

        BaseClient._make_api_call = counting
        try:
            yield self
        finally:
            BaseClient._make_api_call = original


class JwksWatch:
    """Counts ``urllib.request.urlopen`` calls (how PyJWKClient fetches) and ``PyJWKClient.fetch_data``."""

    def __init__(self, jwks_url: str) -> None:
        self.jwks_url = jwks_url
        self.urlopen_total = 0
        self.urlopen_jwks = 0
        self.fetch_data = 0
        self.active = False

    @contextmanager
    def installed(self) -> Iterator[JwksWatch]:
        import jwt

        original_urlopen = urllib.request.urlopen
        original_fetch = jwt.PyJWKClient.fetch_data
        watch = self

        def urlopen(url: Any, *args: Any, **kwargs: Any) -> Any:
            if watch.active:
                watch.urlopen_total += 1
                target = url.full_url if isinstance(url, urllib.request.Request) else str(url)
                if watch.jwks_url and target.startswith(watch.jwks_url):
                    watch.urlopen_jwks += 1
            return original_urlopen(url, *args, **kwargs)

        def fetch_data(client: Any) -> Any:
            if watch.active:
                watch.fetch_data += 1
            return original_fetch(client)

        urllib.request.urlopen = urlopen  # type: ignore[assignment]
        jwt.PyJWKClient.fetch_data = fetch_data  # type: ignore[method-assign]
        try:
            yield self
        finally:
            urllib.request.urlopen = original_urlopen
            jwt.PyJWKClient.fetch_data = original_fetch  # type: ignore[method-assign]


class Arm:
    def __init__(self, label: str, call: Callable[[], Any]) -> None:
        self.label = label
        self.call = call
        self.samples: list[float] = []
        self.calls: Counter[str] = Counter()
        self.rate_updates = 0

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


def _per_call(n: int, rounds: int) -> str:
    value = n / rounds
    return f"{value:.0f}" if value == int(value) else f"{value:.2f}"


def _fmt(calls: Counter[str], rounds: int) -> str:
    return ", ".join(f"{op.split(':', 1)[1]} x{_per_call(n, rounds)}" for op, n in sorted(calls.items())) or "none"


@contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    saved = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved


def _expect(response: Any, status: int, what: str) -> Any:
    if response.status_code != status:
        raise RuntimeError(f"{what}: HTTP {response.status_code} {response.body!r}")
    return response.json_body


def run() -> tuple[list[tuple[str, ...]], list[tuple[str, str]]]:
    """(timing rows, notes rows)."""
    from chalice.test import Client

    from localcloud.cloud import LocalCloud

    # The cloud sets (and on stop restores) the env a bench run before it may have changed.
    cloud = LocalCloud(api_port=0, pollers="manual").start()
    try:
        with _env("GPUAAS_RATE_LIMITS", RATE_LIMITS):
            from chalicelib import bootstrap
            from chalicelib.core.settings import get_settings

            get_settings.cache_clear()
            bootstrap.reset()
            import app as app_module

            with (
                DynamoCounter().installed() as counter,
                JwksWatch(os.environ.get("GPUAAS_OIDC_JWKS_URL", "")).installed() as watch,
            ):
                client = Client(app_module.app, stage_name=cloud.stage, project_dir=str(cloud.project_root))
                http = client.http
                json_headers = {"Content-Type": "application/json"}

                def dev_token(user: str, role: str) -> str:
                    body = f'{{"user":"{user}","org":"bench","role":"{role}"}}'
                    r = http.post("/v1/dev/token", headers=json_headers, body=body)
                    return str(_expect(r, 200, f"dev token for {role}")["access_token"])

                operator = dev_token("bench", "operator")
                owner = dev_token("bench-owner", "owner")
                key = _expect(
                    http.post(
                        "/v1/api-keys",
                        headers={**json_headers, "Authorization": f"Bearer {owner}"},
                        body='{"name":"bench","scopes":["read"]}',
                    ),
                    201,
                    "create API key",
                )["secret"]
                sku = _expect(
                    http.post(
                        "/v1/admin/skus",
                        headers={**json_headers, "Authorization": f"Bearer {operator}"},
                        body=json.dumps(sku_body("bench-auth-sku")),
                    ),
                    201,
                    "create SKU",
                )
                sku_id = sku["id"]

                def get(path: str, token: str | None) -> Callable[[], Any]:
                    headers = {"Authorization": f"Bearer {token}"} if token else {}

                    def call() -> Any:
                        r = http.get(path, headers=headers)
                        if r.status_code != 200:
                            raise RuntimeError(f"GET {path}: HTTP {r.status_code} {r.body!r}")
                        return r

                    return call

                arms = [
                    Arm("GET /v1/skus/{id}, no token (baseline)", get(f"/v1/skus/{sku_id}", None)),
                    Arm("GET /v1/admin/skus/{id}, operator session", get(f"/v1/admin/skus/{sku_id}", operator)),
                    Arm("GET /v1/members?limit=1, owner session", get("/v1/members?limit=1", owner)),
                    Arm("GET /v1/members?limit=1, owner's API key", get("/v1/members?limit=1", key)),
                ]
                for arm in arms:  # warm every path (the key's throttled last-used write lands here)
                    for _ in range(WARMUP):
                        arm.call()

                watch.active = True
                for _ in range(ROUNDS):
                    for arm in arms:  # interleaved, so drift hits every arm alike
                        counter.calls, counter.rate_updates = Counter(), 0
                        counter.active = True
                        start = time.perf_counter()
                        arm.call()
                        arm.samples.append(time.perf_counter() - start)
                        counter.active = False
                        arm.calls.update(counter.calls)
                        arm.rate_updates += counter.rate_updates
                watch.active = False

                # The JWT check alone, out of the pipeline, to size it against the noise above.
                verifier = bootstrap.session_tokens()
                verify_samples = []
                for _ in range(ROUNDS):
                    start = time.perf_counter()
                    verifier.verify(operator)
                    verify_samples.append(time.perf_counter() - start)
                verify_alone = statistics.median(verify_samples)

            bootstrap.reset()
            get_settings.cache_clear()
    finally:
        cloud.stop()

    baseline, admin, members_session, members_key = arms
    rows: list[tuple[str, ...]] = []
    for arm, paired in ((baseline, None), (admin, None), (members_session, None), (members_key, members_session)):
        rows.append(
            (
                arm.label,
                f"{arm.median * 1e3:.2f}",
                f"{arm.median / baseline.median:.2f}x",
                f"{arm.median / paired.median:.2f}x" if paired else "",
                _fmt(arm.calls, ROUNDS),
                _per_call(arm.rate_updates, ROUNDS),
            )
        )
    notes = [
        ("path", "chalice.test.Client (in-process handler; DynamoDB on the local cloud's moto server)"),
        ("calls", f"{WARMUP} warm-up per request, then median of {ROUNDS}, arms interleaved"),
        (
            "session JWT cost",
            f"{(admin.median - baseline.median) * 1e3:+.2f} ms (admin SKU read - public SKU read); "
            f"SessionTokens.verify alone {verify_alone * 1e3:.3f} ms (median of {ROUNDS})",
        ),
        (
            "API key cost",
            f"{(members_key.median - members_session.median) * 1e3:+.2f} ms (members via key - via session)",
        ),
        (
            "JWKS fetches, warm phase",
            f"{watch.urlopen_jwks} urlopen to {watch.jwks_url or '(no JWKS URL)'}, "
            f"{watch.fetch_data} PyJWKClient.fetch_data, {watch.urlopen_total} urlopen in all (expected 0)",
        ),
    ]
    return rows, notes


def main() -> None:
    rows, notes = run()
    print_table("Auth latency, warm (in-process handler path)", rows, HEADER)
    print_table("Auth latency: notes", notes, ("what", "measured"))


if __name__ == "__main__":
    main()
