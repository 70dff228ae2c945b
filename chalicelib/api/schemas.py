"""Request models of the public and admin API (pydantic through Powertools' parser stack).

Bodies are strict (no "8" for 8, no unknown fields); query strings are strings on the wire, so
query models coerce but still reject unknown parameters. Bounds here are representation
bounds (what fits an int64/JSON number, what a DynamoDB key can hold), not business policy.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Largest integer every JSON client represents exactly (IEEE-754 double).
JSON_SAFE_INT = 2**53 - 1

Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="lowercase, digits, dashes")]
GpuModel = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", examples=["H100-80GB-SXM"])]
Region = Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$", examples=["us-east-1"])]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["USD"])]
Micros = Annotated[int, Field(ge=0, le=JSON_SAFE_INT, description="integer micro-units of the currency")]
Count = Annotated[int, Field(ge=1, le=1_000_000)]
Hostname = Annotated[
    str,
    Field(
        max_length=253,
        min_length=1,
        pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$",
    ),
]
Cursor = Annotated[str, Field(min_length=1, max_length=2048)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateSkuBody(Body):
    name: Name
    gpu_model: GpuModel
    gpus: Count
    vcpus: Count
    ram_gib: Count
    disk_gib: Count
    region: Region
    price_per_hour_micros: Micros
    currency: Currency = "USD"


class UpdateSkuBody(Body):
    name: Name | None = None
    vcpus: Count | None = None
    ram_gib: Count | None = None
    disk_gib: Count | None = None
    price_per_hour_micros: Micros | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> UpdateSkuBody:
        if not self.model_dump(exclude_none=True):
            raise ValueError("Send at least one field to change")
        return self


class CreateOsImageBody(Body):
    name: Name
    family: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,31}$", examples=["ubuntu"])]
    version: Annotated[str, Field(pattern=r"^[0-9A-Za-z.]{1,32}$", examples=["22.04"])]
    container_image: Annotated[
        str, Field(pattern=r"^[a-z0-9][a-z0-9._/:@-]{0,254}$", examples=["nvidia/cuda:12.4.1-runtime-ubuntu22.04"])
    ]
    cuda_version: Annotated[str, Field(pattern=r"^[0-9]{1,2}\.[0-9]{1,2}$")] | None = None


class CreateNodeBody(Body):
    hostname: Hostname
    sku_id: Annotated[str, Field(pattern=r"^sku_[0-9a-z]{26}$")]
    gpu_model: GpuModel
    gpu_count: Count


class PageQuery(Query):
    limit: Annotated[int, Field(ge=1, le=JSON_SAFE_INT)] | None = None
    cursor: Cursor | None = None


class CatalogQuery(PageQuery):
    gpu_model: GpuModel | None = None
    min_gpus: Count | None = None
    region: Region | None = None
    max_price_per_hour_micros: Micros | None = None
    available: bool | None = None


class DevTokenBody(Body):
    user: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$")]
    org: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    role: Annotated[str, Field(pattern=r"^(operator|owner|admin|member|billing|viewer)$")]


OrgRole = Annotated[str, Field(pattern=r"^(owner|admin|member|billing|viewer)$")]
UserId = Annotated[str, Field(pattern=r"^usr_[0-9a-z]{26}$")]
OrgId = Annotated[str, Field(pattern=r"^org_[0-9a-z]{26}$")]
Timestamp = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}(T[0-9:.]+Z?)?$", max_length=32)]
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105 - a grant type name (RFC 8693)


class TokenBody(Body):
    """Sign in (exchange an OIDC token) or refresh a session."""

    grant_type: Annotated[str, Field(pattern=r"^(urn:ietf:params:oauth:grant-type:token-exchange|refresh_token)$")]
    subject_token: Annotated[str, Field(min_length=1, max_length=8192)] | None = None
    refresh_token: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    org_id: OrgId | None = None

    @model_validator(mode="after")
    def _token_for_grant(self) -> TokenBody:
        if self.grant_type == TOKEN_EXCHANGE and not self.subject_token:
            raise ValueError("subject_token is required for a token exchange")
        if self.grant_type == "refresh_token" and not self.refresh_token:
            raise ValueError("refresh_token is required to refresh")
        return self


class LogoutBody(Body):
    refresh_token: Annotated[str, Field(min_length=1, max_length=256)] | None = None


class CreateApiKeyBody(Body):
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$")]
    scopes: Annotated[
        list[Annotated[str, Field(pattern=r"^[a-z_]+(:[a-z_]+)*$", max_length=64)]], Field(min_length=1, max_length=20)
    ]
    expires_in_days: Annotated[int, Field(ge=1)] | None = None


class AddMemberBody(Body):
    user_id: UserId
    role: OrgRole


class ChangeRoleBody(Body):
    role: OrgRole


class AuditQueryParams(PageQuery):
    actor: UserId | None = None
    action: Annotated[str, Field(pattern=r"^[a-z_]+(:[a-z_]+)*$", max_length=64)] | None = None
    target: Annotated[str, Field(pattern=r"^[a-z]+_[0-9a-z]{16,26}$")] | None = None
    since: Timestamp | None = None
    until: Timestamp | None = None


class AdminAuditQueryParams(AuditQueryParams):
    org_id: OrgId | None = None


class BootstrapTokenBody(Body):
    sku_id: Annotated[str, Field(pattern=r"^sku_[0-9a-z]{26}$")]
    ttl_seconds: Annotated[int, Field(ge=1, le=JSON_SAFE_INT)] | None = None


class GpuInfo(Body):
    index: Annotated[int, Field(ge=0, le=1023)]
    uuid: Annotated[str, Field(min_length=1, max_length=96, pattern=r"^[A-Za-z0-9-]+$")]
    model: Annotated[str, Field(min_length=1, max_length=96)]
    memory_total_bytes: Annotated[int, Field(ge=0, le=JSON_SAFE_INT)]


class GpuTelemetry(GpuInfo):
    memory_used_bytes: Annotated[int, Field(ge=0, le=JSON_SAFE_INT)] | None
    utilization_percent: Annotated[int, Field(ge=0, le=100)] | None
    temperature_c: Annotated[int, Field(ge=-50, le=200)] | None
    power_watts: Annotated[float, Field(ge=0, le=100_000)] | None
    ecc_uncorrected_errors: Annotated[int, Field(ge=0, le=JSON_SAFE_INT)] | None
    xid_errors: Annotated[int, Field(ge=0, le=JSON_SAFE_INT)] | None


class NvmlStatus(Body):
    available: bool
    driver_version: Annotated[str, Field(max_length=64)] | None
    error: Annotated[str, Field(max_length=512)] | None


class RegisterAgentBody(Body):
    bootstrap_token: Annotated[str, Field(min_length=1, max_length=128)]
    hostname: Hostname
    agent_version: Annotated[str, Field(pattern=r"^[0-9A-Za-z.+-]{1,32}$")]
    protocol_versions: Annotated[list[Annotated[int, Field(ge=1, le=1000)]], Field(min_length=1, max_length=16)]
    executors: Annotated[list[Annotated[str, Field(pattern=r"^(sandbox|docker)$")]], Field(min_length=1, max_length=4)]
    gpus: Annotated[list[GpuInfo], Field(max_length=64)]


class HeartbeatBody(Body):
    node_id: Annotated[str, Field(pattern=r"^node_[0-9a-z]{26}$")]
    sent_at: Timestamp
    agent_version: Annotated[str, Field(pattern=r"^[0-9A-Za-z.+-]{1,32}$")]
    running_commands: Annotated[list[Annotated[str, Field(pattern=r"^cmd_[0-9a-z]{26}$")]], Field(max_length=64)] = []
    nvml: NvmlStatus
    gpus: Annotated[list[GpuTelemetry], Field(max_length=64)]


class AddSshKeyBody(Body):
    name: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._@-]*$")]
    public_key: Annotated[str, Field(min_length=16, max_length=16384)]


class DrainNodeBody(Body):
    reason: Annotated[str, Field(min_length=1, max_length=256)]


SkuId = Annotated[str, Field(pattern=r"^sku_[0-9a-z]{26}$")]
OsImageId = Annotated[str, Field(pattern=r"^img_[0-9a-z]{26}$")]
SshKeyId = Annotated[str, Field(pattern=r"^ssh_[0-9a-z]{26}$")]


class CreateAllocationBody(Body):
    sku_id: SkuId
    os_image_id: OsImageId
    count: Annotated[int, Field(ge=1, le=1024, description="slots of the SKU, all on one node")] = 1
    ssh_key_ids: Annotated[list[SshKeyId], Field(min_length=1, max_length=32)] | None = Field(
        default=None, description="which of your SSH keys to install; all of them when left out"
    )
    name: Name | None = None
    startup_script: (
        Annotated[
            str,
            Field(
                min_length=1,
                max_length=65536,
                description="a shell script the node runs once the allocation is active (size limit: "
                "GPUAAS_STARTUP_SCRIPT_MAX_BYTES); its output is the first of the allocation's logs",
            ),
        ]
        | None
    ) = None


class SshKeysBody(Body):
    ssh_key_ids: Annotated[list[SshKeyId], Field(min_length=1, max_length=32)] = Field(
        description="your SSH keys that open the allocation from now on (they replace its keys)"
    )


class AllocationListQuery(PageQuery):
    state: Annotated[str, Field(pattern=r"^[a-z]{1,16}$")] | None = None


class CommandResultBody(Body):
    """The agent's result for one command (events/agent/result.v1.json)."""

    status: Annotated[str, Field(pattern=r"^(succeeded|failed|rejected)$")]
    reason: Annotated[str, Field(min_length=1, max_length=500)] | None
    output: dict[str, str | int | bool]
    finished_at: Timestamp


class LogQueryParams(PageQuery):
    since: Timestamp | None = None
    follow: bool | None = None


class AgentLogLine(Body):
    stream: Annotated[str, Field(pattern=r"^(agent|alc_[0-9a-z]{26})$", description="agent, or an allocation id")]
    time_ms: Annotated[int, Field(ge=0, le=JSON_SAFE_INT, description="milliseconds since the epoch")]
    message: Annotated[str, Field(max_length=262144)]


class AgentLogsBody(Body):
    """A batch of an agent's lines (events/agent/logs.request.v1.json)."""

    lines: Annotated[list[AgentLogLine], Field(min_length=1, max_length=10000)]


Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2026-11-26"])]


class LedgerQuery(PageQuery):
    since: Timestamp | None = None
    until: Timestamp | None = None
    format: Annotated[str, Field(pattern=r"^(json|csv)$")] = "json"


class UsageQuery(Query):
    since: Day | None = None
    until: Day | None = None
    format: Annotated[str, Field(pattern=r"^(json|csv)$")] = "json"


class SpendCapBody(Body):
    daily_cap_micros: Annotated[int, Field(ge=0, le=JSON_SAFE_INT)] | None


class BillingPolicyBody(Body):
    min_runway_seconds: Annotated[int, Field(ge=0, le=30 * 86400)] | None = None
    grace_seconds: Annotated[int, Field(ge=0, le=30 * 86400)] | None = None
    low_balance_thresholds_micros: Annotated[list[Micros], Field(max_length=8)] | None = None
    welcome_credit_micros: Micros | None = None
    checkout_min_micros: Micros | None = None
    checkout_max_micros: Micros | None = None
    runway_warning_seconds: Annotated[int, Field(ge=0, le=30 * 86400)] | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> BillingPolicyBody:
        if not self.model_dump(exclude_none=True):
            raise ValueError("Send at least one field to change")
        return self


class ForceReleaseBody(Body):
    reason: Annotated[str, Field(min_length=1, max_length=256)]


class OpenTerminalBody(Body):
    """A new session (``kind``, ``cols``, ``rows``), or ``session_id`` to resume one of your own."""

    kind: Literal["shell", "ssh"] = "shell"
    cols: Annotated[int, Field(ge=1, le=1000)] = 80
    rows: Annotated[int, Field(ge=1, le=1000)] = 24
    session_id: Annotated[str, Field(pattern=r"^trm_[0-9a-z]{26}$")] | None = None


# Notifications (doc/webhooks.md, "Notifications").
class NotificationPreferencesBody(Body):
    # category -> whether it is sent by email; categories left out keep their setting
    email: dict[Annotated[str, Field(pattern=r"^[a-z_]{1,40}$")], bool]


class UnsubscribeQuery(Query):
    token: Annotated[str, Field(min_length=1, max_length=2048)]


# Customer webhooks (doc/webhooks.md). The URL's form and destination, and the event types, are
# checked by the webhooks context (its errors name what is wrong); here only their shape.
WebhookUrl = Annotated[str, Field(min_length=1, max_length=2048)]
EventTypePattern = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^(\*|[a-z_]+\.(\*|[a-z_]+))$")]


class CreateWebhookBody(Body):
    url: WebhookUrl
    event_types: Annotated[list[EventTypePattern], Field(min_length=1, max_length=32)]
    description: Annotated[str, Field(max_length=256)] = ""
    enabled: bool = True


class UpdateWebhookBody(Body):
    url: WebhookUrl | None = None
    event_types: Annotated[list[EventTypePattern], Field(min_length=1, max_length=32)] | None = None
    description: Annotated[str, Field(max_length=256)] | None = None
    enabled: bool | None = None


class RecoverWebhookQuery(Query):
    since: Annotated[str, Field(min_length=10, max_length=40, examples=["2026-12-01T00:00:00Z"])]
