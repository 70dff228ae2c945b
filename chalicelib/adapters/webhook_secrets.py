"""Webhook signing secrets sealed with KMS (the stage's WebhookSecretsKey).

Each secret is encrypted with the endpoint's org and id as its encryption context: a ciphertext
moved to another endpoint's item does not decrypt, and CloudTrail names the endpoint on every use.
Opened secrets are kept in this container for a few minutes, so a busy endpoint costs one KMS call
per container and period rather than one per delivery.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from functools import cached_property
from typing import Any

from chalicelib.core.settings import get_settings

_CACHE_SECONDS = 300
_CACHE_MAX = 1024


class KmsSecretCipher:
    def __init__(self, key_id: str | None = None) -> None:
        self._key_id = key_id
        self._opened: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[float, str]] = {}

    @cached_property
    def _client(self) -> Any:
        import boto3

        return boto3.client("kms", region_name=get_settings().region)

    def seal(self, secret: str, context: Mapping[str, str]) -> str:
        key_id = self._key_id or get_settings().webhook_kms_key_id
        if not key_id:
            raise RuntimeError("GPUAAS_WEBHOOK_KMS_KEY_ID is not set: webhook secrets cannot be sealed")
        blob = self._client.encrypt(KeyId=key_id, Plaintext=secret.encode(), EncryptionContext=dict(context))[
            "CiphertextBlob"
        ]
        return base64.b64encode(blob).decode()

    def open(self, sealed: str, context: Mapping[str, str]) -> str:
        cache_key = (sealed, tuple(sorted(context.items())))
        hit = self._opened.get(cache_key)
        now = time.monotonic()
        if hit and hit[0] > now:
            return hit[1]
        plain = self._client.decrypt(CiphertextBlob=base64.b64decode(sealed), EncryptionContext=dict(context))[
            "Plaintext"
        ]
        secret = bytes(plain).decode()
        if len(self._opened) >= _CACHE_MAX:
            self._opened.clear()
        self._opened[cache_key] = (now + _CACHE_SECONDS, secret)
        return secret
