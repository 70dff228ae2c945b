"""Who is calling: the identity a verified token stands for."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("operator", "owner", "admin", "member", "billing", "viewer")
OPERATOR = "operator"


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    org_id: str
    role: str

    @property
    def is_operator(self) -> bool:
        return self.role == OPERATOR
