from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.allocation_action import AllocationAction, check_allocation_action
from ..models.allocation_state import AllocationState, check_allocation_state

if TYPE_CHECKING:
    from ..models.allocation_slot import AllocationSlot
    from ..models.connection import Connection


T = TypeVar("T", bound="Allocation")


@_attrs_define
class Allocation:
    id: str
    name: str
    """ The `name` given at creation, else the allocation's id. """
    org_id: str
    created_by: str
    """ The user who created it (for an API key, the key's creator). """
    sku_id: str
    region: str
    gpu_model: str
    count: int
    """ Slots of the SKU, all on one node. """
    gpus: int
    """ GPUs in all (the SKU's `gpus` times `count`). """
    os_image_id: str
    ssh_key_ids: list[str]
    """ The SSH keys installed. Their public keys were copied at creation; deleting a key later does not remove it
    from this allocation. """
    node_id: str
    slots: list[AllocationSlot]
    price_per_hour_micros: int
    """ The SKU's price per hour times `count`, in micro-units of `currency`, fixed at creation. """
    currency: str
    state: AllocationState
    """ `pending` (slots claimed), `provisioning` (the node's agent builds it), `active` (connect), `releasing` (the
    agent removes it and wipes the slots), `released` (slots back in the pool); `failed` ends one that never became
    active. """
    reason: None | str
    """ Why it failed (`failed` only, else null): `node_unresponsive: …`, `provisioning_failed: <the agent's
    reason>`, `command_rejected: <the agent's reason>`, `workflow_unavailable` or `internal_error: …`. """
    allowed_actions: list[AllocationAction]
    """ What you may do now; anything else is 409 INVALID_ALLOCATION_STATE. `release` while `pending`,
    `provisioning` (until a release is asked for) and `active`. """
    connection: Connection | None
    """ How to connect while `active`; null in every other state. """
    created_at: str
    updated_at: str
    activated_at: None | str
    """ When it became `active`; billing runs from here. """
    release_requested_at: None | str
    """ When you asked for the release; billing of an active allocation stops here. """
    released_at: None | str
    failed_at: None | str
    node_down_at: None | str
    """ Set once if the node went down while the allocation was `active` (its last heartbeat); billing stops here.
    """

    def to_dict(self) -> dict[str, Any]:
        from ..models.connection import Connection  # noqa: PLC0415

        id = self.id

        name = self.name

        org_id = self.org_id

        created_by = self.created_by

        sku_id = self.sku_id

        region = self.region

        gpu_model = self.gpu_model

        count = self.count

        gpus = self.gpus

        os_image_id = self.os_image_id

        ssh_key_ids = self.ssh_key_ids

        node_id = self.node_id

        slots = []
        for slots_item_data in self.slots:
            slots_item = slots_item_data.to_dict()
            slots.append(slots_item)

        price_per_hour_micros = self.price_per_hour_micros

        currency = self.currency

        state: str = self.state

        reason: None | str
        reason = self.reason

        allowed_actions = []
        for allowed_actions_item_data in self.allowed_actions:
            allowed_actions_item: str = allowed_actions_item_data
            allowed_actions.append(allowed_actions_item)

        connection: dict[str, Any] | None
        if isinstance(self.connection, Connection):
            connection = self.connection.to_dict()
        else:
            connection = self.connection

        created_at = self.created_at

        updated_at = self.updated_at

        activated_at: None | str
        activated_at = self.activated_at

        release_requested_at: None | str
        release_requested_at = self.release_requested_at

        released_at: None | str
        released_at = self.released_at

        failed_at: None | str
        failed_at = self.failed_at

        node_down_at: None | str
        node_down_at = self.node_down_at

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "name": name,
                "org_id": org_id,
                "created_by": created_by,
                "sku_id": sku_id,
                "region": region,
                "gpu_model": gpu_model,
                "count": count,
                "gpus": gpus,
                "os_image_id": os_image_id,
                "ssh_key_ids": ssh_key_ids,
                "node_id": node_id,
                "slots": slots,
                "price_per_hour_micros": price_per_hour_micros,
                "currency": currency,
                "state": state,
                "reason": reason,
                "allowed_actions": allowed_actions,
                "connection": connection,
                "created_at": created_at,
                "updated_at": updated_at,
                "activated_at": activated_at,
                "release_requested_at": release_requested_at,
                "released_at": released_at,
                "failed_at": failed_at,
                "node_down_at": node_down_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.allocation_slot import AllocationSlot  # noqa: PLC0415
        from ..models.connection import Connection  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        org_id = d.pop("org_id")

        created_by = d.pop("created_by")

        sku_id = d.pop("sku_id")

        region = d.pop("region")

        gpu_model = d.pop("gpu_model")

        count = d.pop("count")

        gpus = d.pop("gpus")

        os_image_id = d.pop("os_image_id")

        ssh_key_ids = cast(list[str], d.pop("ssh_key_ids"))

        node_id = d.pop("node_id")

        slots = []
        _slots = d.pop("slots")
        for slots_item_data in _slots:
            slots_item = AllocationSlot.from_dict(slots_item_data)

            slots.append(slots_item)

        price_per_hour_micros = d.pop("price_per_hour_micros")

        currency = d.pop("currency")

        state = check_allocation_state(d.pop("state"))

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        allowed_actions = []
        _allowed_actions = d.pop("allowed_actions")
        for allowed_actions_item_data in _allowed_actions:
            allowed_actions_item = check_allocation_action(allowed_actions_item_data)

            allowed_actions.append(allowed_actions_item)

        def _parse_connection(data: object) -> Connection | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                connection_type_1 = Connection.from_dict(data)

                return connection_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Connection | None, data)

        connection = _parse_connection(d.pop("connection"))

        created_at = d.pop("created_at")

        updated_at = d.pop("updated_at")

        def _parse_activated_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        activated_at = _parse_activated_at(d.pop("activated_at"))

        def _parse_release_requested_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        release_requested_at = _parse_release_requested_at(d.pop("release_requested_at"))

        def _parse_released_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        released_at = _parse_released_at(d.pop("released_at"))

        def _parse_failed_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        failed_at = _parse_failed_at(d.pop("failed_at"))

        def _parse_node_down_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        node_down_at = _parse_node_down_at(d.pop("node_down_at"))

        allocation = cls(
            id=id,
            name=name,
            org_id=org_id,
            created_by=created_by,
            sku_id=sku_id,
            region=region,
            gpu_model=gpu_model,
            count=count,
            gpus=gpus,
            os_image_id=os_image_id,
            ssh_key_ids=ssh_key_ids,
            node_id=node_id,
            slots=slots,
            price_per_hour_micros=price_per_hour_micros,
            currency=currency,
            state=state,
            reason=reason,
            allowed_actions=allowed_actions,
            connection=connection,
            created_at=created_at,
            updated_at=updated_at,
            activated_at=activated_at,
            release_requested_at=release_requested_at,
            released_at=released_at,
            failed_at=failed_at,
            node_down_at=node_down_at,
        )

        return allocation
