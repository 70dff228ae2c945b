"""The local stage's OIDC issuer: discovery document, JWKS and a token endpoint.

It exists so that the local cloud signs real RS256 tokens that the API verifies exactly as it
verifies a production issuer's. The routes are registered only when the stage is ``local``,
and the private key comes from the local cloud's environment, never from a file in the repo.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from chalicelib.core import errors
from chalicelib.core.clock import Clock
from chalicelib.core.settings import get_settings
from chalicelib.identity.models import VerifiedIdentity

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey


@cache
def _keys(private_pem: str) -> tuple[RSAPrivateKey, dict[str, Any]]:
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private_key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    if not isinstance(private_key, rsa.RSAPrivateKey):  # the issuer signs RS256 only
        raise errors.ServiceUnavailableError("The dev issuer's key is not an RSA key")
    public_jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    public_jwk.update({"kid": _kid(public_jwk), "use": "sig", "alg": "RS256"})
    return private_key, public_jwk


def _kid(jwk: dict[str, Any]) -> str:
    import hashlib

    # RFC 7638 thumbprint: stable for the key, so a restart with the same key keeps tokens valid.
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _private_pem() -> str:
    settings = get_settings()
    if not settings.is_local or not settings.dev_issuer_private_key:
        raise errors.ServiceUnavailableError("The development issuer is not configured")
    return settings.dev_issuer_private_key


def jwks() -> dict[str, Any]:
    _, public_jwk = _keys(_private_pem())
    return {"keys": [public_jwk]}


def discovery() -> dict[str, Any]:
    settings = get_settings()
    return {
        "issuer": settings.oidc_issuer,
        "jwks_uri": settings.oidc_jwks_url,
        "token_endpoint": f"{settings.oidc_issuer}/token",
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
    }


def issue_id_token(user: str, clock: Clock, *, ttl_seconds: int | None = None) -> str:
    """An OIDC ID token for ``user`` from the dev issuer, as a real IdP would sign one."""
    import jwt

    settings = get_settings()
    private_key, public_jwk = _keys(_private_pem())
    now = clock.now()
    ttl = settings.dev_token_ttl_seconds if ttl_seconds is None else ttl_seconds
    claims = {
        "iss": settings.oidc_issuer,
        "aud": settings.oidc_audience,
        "sub": user,
        "email": f"{user}@dev.local",
        "name": user,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=ttl),
    }
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": public_jwk["kid"]})


def dev_identity(user: str) -> VerifiedIdentity:
    return VerifiedIdentity(issuer=get_settings().oidc_issuer, subject=user, email=f"{user}@dev.local", name=user)
