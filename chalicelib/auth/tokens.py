"""Verifying bearer tokens (OIDC JWTs) against the issuer's JWKS with PyJWT.

The JWKS client is cached per process, so a warm request verifies without a network call;
an unknown ``kid`` makes PyJWKClient refetch the set once, which is how key rotation is followed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.auth.principal import ROLES, Principal
from chalicelib.core import errors
from chalicelib.core.settings import get_settings

# Asymmetric algorithms only: a token signed with HS256 (e.g. with the public key as the
# secret) or with "none" is refused before any key is looked at.
ALLOWED_ALGORITHMS = ("RS256", "ES256")


@cache
def _jwks_client(url: str) -> Any:
    import jwt

    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5)


def verify_bearer(authorization: str | None) -> Principal:
    if not authorization:
        raise errors.Unauthenticated("Send an Authorization: Bearer <token> header")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise errors.Unauthenticated("The Authorization header must be 'Bearer <token>'")
    return verify_token(token.strip())


def verify_token(token: str) -> Principal:
    import jwt

    settings = get_settings()
    if not settings.oidc_jwks_url or not settings.oidc_issuer:
        raise errors.ServiceUnavailable("No identity provider is configured")
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise errors.InvalidToken("The token's algorithm is not accepted")
        key = _jwks_client(settings.oidc_jwks_url).get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            key.key,
            algorithms=list(ALLOWED_ALGORITHMS),
            audience=settings.oidc_audience,
            issuer=settings.oidc_issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            leeway=30,
        )
    except jwt.ExpiredSignatureError as exc:
        raise errors.InvalidToken("The token has expired") from exc
    except jwt.PyJWKClientConnectionError as exc:
        raise errors.ServiceUnavailable("The identity provider's keys cannot be fetched") from exc
    except (jwt.PyJWTError, ValueError) as exc:
        raise errors.InvalidToken("The token is not valid") from exc
    org, role = claims.get("org"), claims.get("role")
    if not isinstance(org, str) or not org or role not in ROLES:
        raise errors.InvalidToken("The token carries no valid org and role")
    return Principal(user_id=str(claims["sub"]), org_id=org, role=role)
