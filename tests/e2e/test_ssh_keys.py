"""SSH keys: add, list, delete; validated; personal (another user's key is not found)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

pytestmark = pytest.mark.e2e


def new_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def session(api, user: str, role: str = "member") -> dict:
    return {"Authorization": f"Bearer {api.token(role, user=user, org='keys-org')}"}


def test_add_list_delete(api):
    me = session(api, "ada")
    line = new_key()
    r = api.request(
        "POST", "/v1/ssh-keys", role=None, headers=me, json={"name": "laptop", "public_key": f"{line} ada@laptop"}
    )
    assert r.status_code == 201, r.text
    key = r.json()
    assert key["type"] == "ssh-ed25519" and key["comment"] == "ada@laptop" and key["fingerprint"].startswith("SHA256:")
    dup = api.request("POST", "/v1/ssh-keys", role=None, headers=me, json={"name": "again", "public_key": line})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "SSH_KEY_EXISTS"
    assert [k["id"] for k in api.request("GET", "/v1/ssh-keys", role=None, headers=me).json()["items"]] == [key["id"]]
    # Keys are personal: a colleague in the same org neither sees nor deletes them.
    other = session(api, "bea")
    assert api.request("GET", "/v1/ssh-keys", role=None, headers=other).json()["items"] == []
    r = api.request("DELETE", f"/v1/ssh-keys/{key['id']}", role=None, headers=other)
    assert r.status_code == 404 and r.json()["error"]["code"] == "SSH_KEY_NOT_FOUND"
    assert api.request("DELETE", f"/v1/ssh-keys/{key['id']}", role=None, headers=me).status_code == 204
    assert api.request("GET", "/v1/ssh-keys", role=None, headers=me).json()["items"] == []
    # Deleting frees the fingerprint: the same key can be added again.
    again = api.request("POST", "/v1/ssh-keys", role=None, headers=me, json={"name": "laptop", "public_key": line})
    assert again.status_code == 201


@pytest.mark.parametrize(
    "public_key",
    ["ssh-dss AAAAB3NzaC1kc3MAAACBAP== old", "ssh-ed25519 AAAA", "not a key at all", "ssh-ed25519 " + "A" * 60],
)
def test_invalid_keys_are_400(api, public_key):
    r = api.request(
        "POST", "/v1/ssh-keys", role=None, headers=session(api, "cid"), json={"name": "x", "public_key": public_key}
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "VALIDATION_ERROR"


def test_a_viewer_cannot_add_keys(api):
    r = api.request(
        "POST",
        "/v1/ssh-keys",
        role=None,
        headers=session(api, "dan", "viewer"),
        json={"name": "x", "public_key": new_key()},
    )
    assert r.status_code == 403
