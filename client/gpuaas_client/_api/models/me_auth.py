from typing import Literal

MeAuth = Literal["api_key", "session"]

ME_AUTH_VALUES: set[MeAuth] = {
    "api_key",
    "session",
}


def check_me_auth(value: str) -> MeAuth:
    if value in ME_AUTH_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {ME_AUTH_VALUES!r}")
