from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from chalicelib.core import errors
from chalicelib.sshkeys.models import parse_public_key

pytestmark = pytest.mark.unit


def openssh(key) -> str:
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def test_accepts_modern_keys_and_fingerprints_them_like_ssh_keygen():
    line = openssh(ed25519.Ed25519PrivateKey.generate())
    parsed = parse_public_key(f"  {line} alice@laptop  \n", rsa_min_bits=2048)
    assert parsed.key_type == "ssh-ed25519"
    assert parsed.public_key == line and parsed.comment == "alice@laptop"
    assert parsed.fingerprint.startswith("SHA256:") and len(parsed.fingerprint) == 7 + 43
    assert parse_public_key(openssh(ec.generate_private_key(ec.SECP256R1())), rsa_min_bits=2048).key_type == (
        "ecdsa-sha2-nistp256"
    )
    assert parse_public_key(openssh(rsa.generate_private_key(65537, 3072)), rsa_min_bits=2048).key_type == "ssh-rsa"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ssh-ed25519",
        "ssh-dss AAAAB3NzaC1kc3MAAACBAP==",
        "ssh-ed25519 not-base64!!",
        "ssh-ed25519 " + base64.b64encode(b"garbage").decode(),
        "-----BEGIN OPENSSH PRIVATE KEY-----",
    ],
)
def test_refuses_what_sshd_would_refuse(text):
    with pytest.raises(errors.ValidationFailedError):
        parse_public_key(text, rsa_min_bits=2048)


def test_refuses_two_keys_a_type_mismatch_and_short_rsa():
    a, b = openssh(ed25519.Ed25519PrivateKey.generate()), openssh(ed25519.Ed25519PrivateKey.generate())
    with pytest.raises(errors.ValidationFailedError):
        parse_public_key(f"{a}\n{b}", rsa_min_bits=2048)
    rsa_line = openssh(rsa.generate_private_key(65537, 1024))  # noqa: S505 - the weak key under test
    with pytest.raises(errors.ValidationFailedError, match="at least 2048"):
        parse_public_key(rsa_line, rsa_min_bits=2048)
    blob = a.split()[1]
    with pytest.raises(errors.ValidationFailedError):
        parse_public_key(f"ssh-rsa {blob}", rsa_min_bits=2048)
