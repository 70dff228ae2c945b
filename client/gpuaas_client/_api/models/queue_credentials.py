from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="QueueCredentials")


@_attrs_define
class QueueCredentials:
    """STS credentials scoped by a session policy to receiving, deleting and changing the visibility of messages of this
    node's queue (and reading its attributes), and nothing else.

    """

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: str
    """ When the credentials stop working; ask for new ones before. """
    queue_url: str
    region: str
    endpoint_url: str | Unset = UNSET
    """ The local stage only, where the queue lives in the local cloud's AWS emulator; absent on AWS. """

    def to_dict(self) -> dict[str, Any]:
        access_key_id = self.access_key_id

        secret_access_key = self.secret_access_key

        session_token = self.session_token

        expiration = self.expiration

        queue_url = self.queue_url

        region = self.region

        endpoint_url = self.endpoint_url

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "access_key_id": access_key_id,
                "secret_access_key": secret_access_key,
                "session_token": session_token,
                "expiration": expiration,
                "queue_url": queue_url,
                "region": region,
            }
        )
        if endpoint_url is not UNSET:
            field_dict["endpoint_url"] = endpoint_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        access_key_id = d.pop("access_key_id")

        secret_access_key = d.pop("secret_access_key")

        session_token = d.pop("session_token")

        expiration = d.pop("expiration")

        queue_url = d.pop("queue_url")

        region = d.pop("region")

        endpoint_url = d.pop("endpoint_url", UNSET)

        queue_credentials = cls(
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
            session_token=session_token,
            expiration=expiration,
            queue_url=queue_url,
            region=region,
            endpoint_url=endpoint_url,
        )

        return queue_credentials
