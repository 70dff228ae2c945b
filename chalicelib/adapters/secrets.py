"""Secrets Manager: the platform's session-signing key on AWS (read once per container)."""

from __future__ import annotations

from functools import cache

from chalicelib.core.settings import get_settings


@cache
def secret_string(secret_id: str) -> str:
    import boto3

    client = boto3.client("secretsmanager", region_name=get_settings().region)
    return str(client.get_secret_value(SecretId=secret_id)["SecretString"])
