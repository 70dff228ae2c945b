from typing import Literal

NewApiKeyRole = Literal["admin", "billing", "member", "owner", "viewer"]

NEW_API_KEY_ROLE_VALUES: set[NewApiKeyRole] = {
    "admin",
    "billing",
    "member",
    "owner",
    "viewer",
}


def check_new_api_key_role(value: str) -> NewApiKeyRole:
    if value in NEW_API_KEY_ROLE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {NEW_API_KEY_ROLE_VALUES!r}")
