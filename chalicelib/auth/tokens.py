"""Verifying OIDC tokens from the configured issuers with PyJWT (for the sign-in exchange).

Each issuer's JWKS client is cached per process, so a warm exchange verifies without a network
call; an unknown ``kid`` makes PyJWKClient refetch the set once, which is how key rotation is
followed. Only the allow-listed asymmetric algorithms are accepted: ``none`` and HS256 (for
instance signed with the public key as an HMAC secret) are refused before any key is used.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.core import errors
from chalicelib.core.settings import OidcIssuer, get_settings
from chalicelib.identity.models import VerifiedIdentity


@cache
def _jwks_client(url: str) -> Any:
    import jwt

    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5)


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise errors.UnauthenticatedError("Send an Authorization: Bearer <token> header")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise errors.UnauthenticatedError("The Authorization header must be 'Bearer <token>'")
    return token.strip()


def _issuer_of(token: str, issuers: tuple[OidcIssuer, ...]) -> OidcIssuer:
    import jwt

    try:
        claimed = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.PyJWTError as exc:
        raise errors.InvalidTokenError("The token is not a JWT") from exc
    for issuer in issuers:
        if issuer.issuer == claimed:
            return issuer
    raise errors.InvalidTokenError("The token's issuer is not trusted")


def verify_oidc_token(token: str) -> VerifiedIdentity:
    import jwt

    settings = get_settings()
    if not settings.oidc_issuers:
        raise errors.ServiceUnavailableError("No identity provider is configured")
    issuer = _issuer_of(token, settings.oidc_issuers)
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") not in settings.oidc_algorithms:
            raise errors.InvalidTokenError("The token's algorithm is not accepted")
        key = _jwks_client(issuer.jwks_url).get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            key.key,
            algorithms=list(settings.oidc_algorithms),
            audience=issuer.audience,
            issuer=issuer.issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            leeway=30,
        )
    except errors.AppError:
        raise
    except jwt.ExpiredSignatureError as exc:
        raise errors.InvalidTokenError("The token has expired") from exc
    except jwt.ImmatureSignatureError as exc:
        raise errors.InvalidTokenError("The token is not valid yet") from exc
    except jwt.PyJWKClientConnectionError as exc:
        raise errors.ServiceUnavailableError("The identity provider's keys cannot be fetched") from exc
    except (jwt.PyJWTError, ValueError) as exc:
        raise errors.InvalidTokenError("The token is not valid") from exc
    subject = str(claims["sub"])
    email = claims.get("email") if isinstance(claims.get("email"), str) else ""
    name = claims.get("name") if isinstance(claims.get("name"), str) else ""
    return VerifiedIdentity(issuer=issuer.issuer, subject=subject, email=email or "", name=name or email or subject)
