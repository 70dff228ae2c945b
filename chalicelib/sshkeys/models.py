"""SSH public keys a user installs on the GPU slots they rent."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from chalicelib.core import errors

# Key types OpenSSH still accepts by default; DSA and RSA-SHA1-only setups are gone.
ALLOWED_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa")


@dataclass(frozen=True, slots=True)
class SshKey:
    id: str
    user_id: str
    name: str
    key_type: str
    public_key: str  # normalised: "<type> <base64>" (the comment is kept apart)
    comment: str
    fingerprint: str  # "SHA256:<base64, unpadded>", as ssh-keygen -l prints it
    created_at: str


@dataclass(frozen=True, slots=True)
class ParsedKey:
    key_type: str
    public_key: str
    comment: str
    fingerprint: str


def parse_public_key(text: str, *, rsa_min_bits: int) -> ParsedKey:
    """Validate an OpenSSH public key line with cryptography's parser; refuse what sshd would."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_ssh_public_key

    line = text.strip()
    if "\n" in line or "\r" in line:
        raise errors.ValidationFailedError("Send one public key per request, on one line")
    parts = line.split(None, 2)
    if len(parts) < 2:
        raise errors.ValidationFailedError("A public key is '<type> <base64> [comment]'")
    key_type, blob_b64 = parts[0], parts[1]
    comment = parts[2] if len(parts) == 3 else ""
    if key_type not in ALLOWED_TYPES:
        raise errors.ValidationFailedError(
            f"Key type {key_type!r} is not accepted; use one of {', '.join(ALLOWED_TYPES)}"
        )
    try:
        blob = base64.b64decode(blob_b64, validate=True)
        key = load_ssh_public_key(f"{key_type} {blob_b64}".encode())
    except (ValueError, TypeError, binascii.Error) as exc:
        raise errors.ValidationFailedError("The public key is not a valid OpenSSH key") from exc
    # The type named on the line must be the type inside the blob.
    declared = blob[4 : 4 + int.from_bytes(blob[:4], "big")].decode(errors="replace")
    if declared != key_type:
        raise errors.ValidationFailedError("The key's type does not match its data")
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < rsa_min_bits:
        raise errors.ValidationFailedError(f"RSA keys need at least {rsa_min_bits} bits")
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return ParsedKey(key_type, f"{key_type} {blob_b64}", comment, f"SHA256:{digest}")
