"""GPUaaS session access tokens: ES256 JWTs signed by the platform.

Verifying one needs no network call and no DynamoDB read: the public key is derived once per
process from the signing key. The role and the operator flag are claims, fixed at issue time;
a role change reaches the member at their next refresh (at most the access-token lifetime).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import timedelta
from functools import cached_property
from typing import Any

from chalicelib.auth.principal import SESSION, Principal
from chalicelib.core import errors
from chalicelib.core.clock import Clock
from chalicelib.identity.models import ORG_ROLES, User

ALGORITHM = "ES256"


class SessionTokens:
    def __init__(self, private_pem: str, *, issuer: str, audience: str, clock: Clock) -> None:
        if not private_pem:
            raise errors.ServiceUnavailableError("No session signing key is configured")
        self._pem = private_pem
        self._issuer = issuer
        self._audience = audience
        self._clock = clock

    @cached_property
    def _private_key(self) -> Any:
        from cryptography.hazmat.primitives import serialization

        return serialization.load_pem_private_key(self._pem.encode(), password=None)

    @cached_property
    def public_jwk(self) -> dict[str, Any]:
        import jwt

        jwk: dict[str, Any] = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self._private_key.public_key()))
        canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True)
        jwk.update({"kid": hashlib.sha256(canonical.encode()).hexdigest()[:16], "use": "sig", "alg": ALGORITHM})
        return jwk

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk]}

    def sign(self, *, user: User, org_id: str, role: str, session_id: str, ttl_seconds: int) -> str:
        import jwt

        now = self._clock.now()
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": user.id,
            "org": org_id,
            "role": role,
            "op": user.operator,
            "sid": session_id,
            "jti": uuid.uuid4().hex,
            "iat": now,
            "nbf": now,
            "exp": now + timedelta(seconds=ttl_seconds),
        }
        return jwt.encode(claims, self._private_key, algorithm=ALGORITHM, headers={"kid": self.public_jwk["kid"]})

    def verify(self, token: str) -> Principal:
        import jwt

        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != ALGORITHM:
                raise errors.InvalidTokenError("The token's algorithm is not accepted")
            if header.get("kid") != self.public_jwk["kid"]:
                raise errors.InvalidTokenError("The token was not signed by a current key")
            claims = jwt.decode(
                token,
                self._private_key.public_key(),
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub", "sid"]},
                leeway=5,
            )
        except jwt.ExpiredSignatureError as exc:
            raise errors.InvalidTokenError("The token has expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise errors.InvalidTokenError("The token is not valid yet") from exc
        except (jwt.PyJWTError, ValueError) as exc:
            raise errors.InvalidTokenError("The token is not valid") from exc
        org, role = claims.get("org"), claims.get("role")
        if not isinstance(org, str) or not org or role not in ORG_ROLES:
            raise errors.InvalidTokenError("The token carries no valid org and role")
        return Principal(
            user_id=str(claims["sub"]),
            org_id=org,
            role=role,
            operator=claims.get("op") is True,
            via=SESSION,
            session_id=str(claims["sid"]),
        )
