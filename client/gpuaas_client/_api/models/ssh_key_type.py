from typing import Literal

SshKeyType = Literal["ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-ed25519", "ssh-rsa"]

SSH_KEY_TYPE_VALUES: set[SshKeyType] = {
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-ed25519",
    "ssh-rsa",
}


def check_ssh_key_type(value: str) -> SshKeyType:
    if value in SSH_KEY_TYPE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SSH_KEY_TYPE_VALUES!r}")
