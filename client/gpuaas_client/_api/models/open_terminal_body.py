from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.open_terminal_body_kind import OpenTerminalBodyKind, check_open_terminal_body_kind
from ..types import UNSET, Unset

T = TypeVar("T", bound="OpenTerminalBody")


@_attrs_define
class OpenTerminalBody:
    """A new session (`kind`, `cols`, `rows`), or `session_id` to resume one of your own (then the others are the session's
    own and ignored).

    """

    kind: OpenTerminalBodyKind | Unset = "shell"
    cols: int | Unset = 80
    rows: int | Unset = 24
    session_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        kind: str | Unset = UNSET
        if not isinstance(self.kind, Unset):
            kind = self.kind

        cols = self.cols

        rows = self.rows

        session_id: None | str | Unset
        if isinstance(self.session_id, Unset):
            session_id = UNSET
        else:
            session_id = self.session_id

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if kind is not UNSET:
            field_dict["kind"] = kind
        if cols is not UNSET:
            field_dict["cols"] = cols
        if rows is not UNSET:
            field_dict["rows"] = rows
        if session_id is not UNSET:
            field_dict["session_id"] = session_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _kind = d.pop("kind", UNSET)
        kind: OpenTerminalBodyKind | Unset
        if isinstance(_kind, Unset):
            kind = UNSET
        else:
            kind = check_open_terminal_body_kind(_kind)

        cols = d.pop("cols", UNSET)

        rows = d.pop("rows", UNSET)

        def _parse_session_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        session_id = _parse_session_id(d.pop("session_id", UNSET))

        open_terminal_body = cls(
            kind=kind,
            cols=cols,
            rows=rows,
            session_id=session_id,
        )

        return open_terminal_body
