"""Where the CLI keeps its credentials and profile settings: one JSON file, readable by its owner only.

The file is ``credentials.json`` in ``$GPUAAS_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/gpuaas``, else
``~/.config/gpuaas``. The directory is 0700; the file is written to a temporary file created 0600
(``os.open`` with ``O_EXCL``: there is never a moment where the secrets are readable by anyone else)
and moved into place with ``os.replace``, so a reader sees the old file or the new one, never half of one.

Layout::

    {"version": 1, "profiles": {"default": {"api_url": "...", "access_token": "...", "refresh_token": "..."}}}

A profile holds either a session (``access_token``, ``refresh_token``) or an ``api_key``.

The same file holds the settings of ``gpuaas config``, beside the credentials rather than inside a
profile's entry, so that signing in or out never touches them (and files written before settings
existed read as having none)::

    {"version": 1, "profiles": {...}, "current_profile": "work",
     "settings": {"work": {"api_url": "https://api.example", "output": "json", "org": "acme"}}}
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

FILE_NAME = "credentials.json"
DIR_MODE = 0o700
FILE_MODE = 0o600
SESSION_FIELDS = ("access_token", "refresh_token")
SECRET_FIELDS = (*SESSION_FIELDS, "api_key")
# What ``gpuaas config set`` may store for a profile: where its API is, how to print, which org to sign in to.
SETTING_KEYS = ("api_url", "output", "org")


class CredentialsError(Exception):
    """The credentials file cannot be read or written."""


def config_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("GPUAAS_CONFIG_DIR"):
        return Path(env["GPUAAS_CONFIG_DIR"]).expanduser()
    if env.get("XDG_CONFIG_HOME"):
        return Path(env["XDG_CONFIG_HOME"]).expanduser() / "gpuaas"
    return Path.home() / ".config" / "gpuaas"


def atomic_write(path: Path, data: bytes, mode: int = FILE_MODE) -> None:
    """Write ``data`` to ``path`` atomically; the file has ``mode`` from the moment it exists."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(tmp, flags, mode)
    try:
        try:
            os.fchmod(fd, mode)  # the umask may have taken bits away; never adds any beyond ``mode``
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable, where the platform allows
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class CredentialStore:
    """Profiles of credentials, in one file."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory is not None else config_dir()
        self.path = self.directory / FILE_NAME

    def _ensure_directory(self) -> None:
        self.directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        os.chmod(self.directory, DIR_MODE)

    def load(self) -> dict[str, Any]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"version": 1, "profiles": {}}
        except OSError as exc:
            raise CredentialsError(f"Cannot read {self.path}: {exc}") from exc
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise CredentialsError(f"{self.path} is not valid JSON; remove it and sign in again") from exc
        if not isinstance(data, dict) or not isinstance(data.get("profiles"), dict):
            raise CredentialsError(f"{self.path} is not a credentials file; remove it and sign in again")
        return data

    def save(self, data: Mapping[str, Any]) -> None:
        self._ensure_directory()
        payload = json.dumps(data, indent=2, sort_keys=True).encode("utf-8") + b"\n"
        try:
            atomic_write(self.path, payload)
        except OSError as exc:
            raise CredentialsError(f"Cannot write {self.path}: {exc}") from exc

    def profiles(self) -> dict[str, dict[str, Any]]:
        profiles: dict[str, dict[str, Any]] = self.load()["profiles"]  # load() checked it is a dict
        return profiles

    def get(self, profile: str) -> dict[str, Any] | None:
        return self.profiles().get(profile)

    def put_session(self, profile: str, api_url: str, access_token: str, refresh_token: str | None) -> None:
        self._put(profile, {"api_url": api_url, "access_token": access_token, "refresh_token": refresh_token})

    def put_api_key(self, profile: str, api_url: str, api_key: str) -> None:
        self._put(profile, {"api_url": api_url, "api_key": api_key})

    def update_tokens(self, profile: str, access_token: str, refresh_token: str | None) -> None:
        """Store rotated session tokens, keeping the rest of the profile."""
        data = self.load()
        entry = dict(data["profiles"].get(profile) or {})
        entry.pop("api_key", None)
        entry["access_token"] = access_token
        if refresh_token:
            entry["refresh_token"] = refresh_token
        data["profiles"][profile] = entry
        self.save(data)

    def delete(self, profile: str) -> bool:
        """Forget a profile; True if there was one."""
        data = self.load()
        if profile not in data["profiles"]:
            return False
        del data["profiles"][profile]
        self.save(data)
        return True

    # Profile settings --------------------------------------------------------------------------

    def current_profile(self) -> str | None:
        """The profile chosen with :meth:`use`, if any."""
        current = self.load().get("current_profile")
        return current if isinstance(current, str) and current else None

    def use(self, profile: str) -> None:
        data = self.load()
        data["current_profile"] = profile
        self.save(data)

    def settings(self, profile: str) -> dict[str, str]:
        every = self.load().get("settings")
        entry = every.get(profile) if isinstance(every, dict) else None
        if not isinstance(entry, dict):
            return {}
        return {k: v for k, v in entry.items() if k in SETTING_KEYS and isinstance(v, str)}

    def set_setting(self, profile: str, key: str, value: str) -> None:
        if key not in SETTING_KEYS:
            raise CredentialsError(f"no setting {key!r} (one of: {', '.join(SETTING_KEYS)})")
        data = self.load()
        every = data.get("settings")
        if not isinstance(every, dict):
            every = data["settings"] = {}
        entry = every.get(profile)
        if not isinstance(entry, dict):
            entry = every[profile] = {}
        entry[key] = value
        self.save(data)

    def unset_setting(self, profile: str, key: str) -> bool:
        """Forget one setting; True if it was set."""
        data = self.load()
        entry = (data.get("settings") or {}).get(profile)
        if not isinstance(entry, dict) or key not in entry:
            return False
        del entry[key]
        if not entry:
            del data["settings"][profile]
        self.save(data)
        return True

    def profile_names(self) -> list[str]:
        """Every profile the file knows: signed in, configured or chosen."""
        data = self.load()
        names = set(data["profiles"])
        if isinstance(data.get("settings"), dict):
            names.update(data["settings"])
        current = data.get("current_profile")
        if isinstance(current, str) and current:
            names.add(current)
        return sorted(names)

    def _put(self, profile: str, entry: dict[str, Any]) -> None:
        data = self.load()
        data["profiles"][profile] = {k: v for k, v in entry.items() if v is not None}
        self.save(data)
