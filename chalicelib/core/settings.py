"""Typed settings, read from the environment once per process.

Every tunable (table name, limits, page sizes, token lifetimes) comes from here so that no
limit is a code constant: infra/template.yaml sets them on AWS, the local cloud sets them
from the same template.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Settings:
    stage: str
    region: str
    table_name: str
    event_bus_name: str
    event_source: str
    # Request hygiene and pagination limits.
    max_body_bytes: int
    page_limit_default: int
    page_limit_max: int
    # OIDC: which issuer and audience tokens must carry, and where its keys are published.
    oidc_issuer: str
    oidc_audience: str
    oidc_jwks_url: str
    # Local stage only: the dev issuer's private key (PEM) and token lifetime.
    dev_issuer_private_key: str
    dev_token_ttl_seconds: int
    # How long outbox items and idempotency records live before DynamoDB's TTL removes them.
    outbox_ttl_seconds: int
    idempotency_ttl_seconds: int
    log_level: str
    tracing_enabled: bool

    @property
    def is_local(self) -> bool:
        return self.stage == "local"


def load_settings(environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    get = env.get
    stage = get("GPUAAS_STAGE", "local")
    return Settings(
        stage=stage,
        region=get("AWS_REGION") or get("AWS_DEFAULT_REGION") or "us-east-1",
        table_name=get("GPUAAS_TABLE_NAME", f"gpuaas-{stage}-table"),
        event_bus_name=get("GPUAAS_EVENT_BUS_NAME", f"gpuaas-{stage}-events"),
        event_source=get("GPUAAS_EVENT_SOURCE", "gpuaas"),
        max_body_bytes=_int_from(env, "GPUAAS_MAX_BODY_BYTES", 65536),
        page_limit_default=_int_from(env, "GPUAAS_PAGE_LIMIT_DEFAULT", 50),
        page_limit_max=_int_from(env, "GPUAAS_PAGE_LIMIT_MAX", 200),
        oidc_issuer=get("GPUAAS_OIDC_ISSUER", ""),
        oidc_audience=get("GPUAAS_OIDC_AUDIENCE", "gpuaas"),
        oidc_jwks_url=get("GPUAAS_OIDC_JWKS_URL", ""),
        dev_issuer_private_key=get("GPUAAS_DEV_ISSUER_PRIVATE_KEY", ""),
        dev_token_ttl_seconds=_int_from(env, "GPUAAS_DEV_TOKEN_TTL_SECONDS", 3600),
        outbox_ttl_seconds=_int_from(env, "GPUAAS_OUTBOX_TTL_SECONDS", 7 * 86400),
        idempotency_ttl_seconds=_int_from(env, "GPUAAS_IDEMPOTENCY_TTL_SECONDS", 86400),
        log_level=get("POWERTOOLS_LOG_LEVEL", get("LOG_LEVEL", "INFO")),
        tracing_enabled=get("POWERTOOLS_TRACE_DISABLED", "true").lower() in ("0", "false", "no"),
    )


def _int_from(env: os._Environ[str] | dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    return default if raw in (None, "") else int(raw)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings. Tests that change the environment call ``get_settings.cache_clear()``."""
    return load_settings()
