from typing import Literal

AuditRecordActorVia = Literal["api_key", "node", "session", "system"]

AUDIT_RECORD_ACTOR_VIA_VALUES: set[AuditRecordActorVia] = {
    "api_key",
    "node",
    "session",
    "system",
}


def check_audit_record_actor_via(value: str) -> AuditRecordActorVia:
    if value in AUDIT_RECORD_ACTOR_VIA_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {AUDIT_RECORD_ACTOR_VIA_VALUES!r}")
