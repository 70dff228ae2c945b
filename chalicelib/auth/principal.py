"""Who is calling: the identity a verified session token or API key stands for."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.audit.models import Actor

SESSION = "session"
API_KEY = "api_key"
NODE = "node"  # a GPU host's agent: user_id is its node id


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    org_id: str  # every request acts within exactly this org
    role: str  # the principal's role in that org
    operator: bool = False  # the platform operator flag (/v1/admin/*)
    via: str = SESSION
    session_id: str | None = None
    api_key_id: str | None = None
    scopes: tuple[str, ...] = ()

    @property
    def rate_key(self) -> str:
        """Whose budget a request spends: each API key and node has its own, sessions share the user's."""
        if self.via == NODE:
            return f"node:{self.user_id}"
        return f"key:{self.api_key_id}" if self.api_key_id else f"user:{self.user_id}"

    @classmethod
    def node(cls, node_id: str) -> Principal:
        return cls(user_id=node_id, org_id="platform", role="node", via=NODE)

    def actor(self, request_id: str) -> Actor:
        return Actor(
            user_id=self.user_id,
            org_id=self.org_id,
            role=self.role,
            operator=self.operator,
            request_id=request_id,
            via=self.via,
            api_key_id=self.api_key_id,
        )
