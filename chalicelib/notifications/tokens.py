"""Signed unsubscribe tokens: a JWT (HS256, PyJWT) naming the user and the category, so that the
link in an email turns that category off without signing in, and a token changed by hand is refused."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import jwt

from chalicelib.core import errors
from chalicelib.core.clock import Clock

AUDIENCE = "gpuaas:unsubscribe"
# Emails are kept and read late; a link keeps working for a year.
TOKEN_TTL = timedelta(days=365)


def derive_key(master: str) -> bytes:
    """A key of its own, derived from a platform secret (the session-signing key), so that a
    leaked unsubscribe key could never sign sessions and no second secret needs provisioning."""
    return hmac.new(master.encode(), b"gpuaas-unsubscribe-v1", hashlib.sha256).digest()


class JwtUnsubscribeSigner:
    def __init__(self, key: bytes, clock: Clock) -> None:
        self._key = key
        self._clock = clock

    def sign(self, user_id: str, category: str) -> str:
        now = self._clock.now()
        claims = {"sub": user_id, "cat": category, "aud": AUDIENCE, "iat": now, "exp": now + TOKEN_TTL}
        return jwt.encode(claims, self._key, algorithm="HS256")

    def verify(self, token: str) -> tuple[str, str]:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                audience=AUDIENCE,
                # Expiry is checked against the injected clock below, not the machine's.
                options={"require": ["sub", "cat", "exp"], "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            raise errors.UnsubscribeTokenInvalidError() from exc
        if not isinstance(claims["exp"], int | float) or claims["exp"] <= self._clock.now().timestamp():
            raise errors.UnsubscribeTokenInvalidError("The unsubscribe link has expired")
        return str(claims["sub"]), str(claims["cat"])
