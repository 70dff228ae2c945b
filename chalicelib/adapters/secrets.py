"""Secrets Manager: the secrets a stage names by id on AWS (the session-signing key, Stripe's keys),
read once per container."""

from __future__ import annotations

from functools import cache

from chalicelib.core.settings import get_settings


@cache
def secret_string(secret_id: str) -> str:
    import boto3

    client = boto3.client("secretsmanager", region_name=get_settings().region)
    return str(client.get_secret_value(SecretId=secret_id)["SecretString"])


def resolve(value: str, secret_id: str) -> str:
    """A secret given directly, or else the one Secrets Manager holds under ``secret_id``; empty
    when the stage names neither."""
    if value or not secret_id:
        return value
    return secret_string(secret_id)
