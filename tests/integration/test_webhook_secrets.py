"""Webhook signing secrets sealed with KMS (in-process moto): a round trip, bound to the endpoint."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from chalicelib.adapters.webhook_secrets import KmsSecretCipher

pytestmark = pytest.mark.integration


@pytest.fixture
def key_alias(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        import boto3

        kms = boto3.client("kms", region_name="us-east-1")
        key_id = kms.create_key(Description="webhook secrets")["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName="alias/gpuaas-test-webhook-secrets", TargetKeyId=key_id)
        yield "alias/gpuaas-test-webhook-secrets"


def test_a_sealed_secret_opens_only_with_its_endpoints_context(key_alias):
    cipher = KmsSecretCipher(key_alias)
    context = {"org_id": "org_1", "webhook_id": "whk_1"}
    sealed = cipher.seal("whsec_c2VjcmV0", context)
    assert "whsec_" not in sealed and "c2VjcmV0" not in sealed
    assert cipher.open(sealed, context) == "whsec_c2VjcmV0"
    with pytest.raises(ClientError) as refused:
        KmsSecretCipher(key_alias).open(sealed, {"org_id": "org_1", "webhook_id": "whk_2"})
    assert refused.value.response["Error"]["Code"] == "InvalidCiphertextException"
