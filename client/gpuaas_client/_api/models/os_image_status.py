from typing import Literal

OsImageStatus = Literal["available"]

OS_IMAGE_STATUS_VALUES: set[OsImageStatus] = {
    "available",
}


def check_os_image_status(value: str) -> OsImageStatus:
    if value in OS_IMAGE_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {OS_IMAGE_STATUS_VALUES!r}")
