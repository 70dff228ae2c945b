"""The CLI's credentials file: 0600 from creation in a 0700 directory, written atomically, per profile."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from gpuaas_client import credentials
from gpuaas_client.credentials import CredentialsError, CredentialStore, config_dir

pytestmark = pytest.mark.unit


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def store(tmp_path) -> CredentialStore:
    return CredentialStore(tmp_path / "cfg" / "gpuaas")


@pytest.fixture
def permissive_umask():
    # With umask 0 anything not forced by the code itself would come out world-readable.
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_file_is_0600_and_directory_0700(store, permissive_umask):
    store.put_session("default", "http://api", "access", "refresh")
    assert mode(store.path) == 0o600
    assert mode(store.directory) == 0o700
    assert store.path.name == "credentials.json"


def test_an_existing_loose_directory_is_tightened(store):
    store.directory.mkdir(parents=True, mode=0o755)
    os.chmod(store.directory, 0o755)  # noqa: S103 - deliberately too loose
    store.put_api_key("default", "http://api", "gpk_x")
    assert mode(store.directory) == 0o700


def test_the_file_is_created_0600_exclusively_and_never_readable_by_others(store, monkeypatch, permissive_umask):
    opened: list[tuple[str, int, int]] = []
    replaced: list[int] = []
    real_open, real_replace = os.open, os.replace

    def spy_open(path, flags, mode=0o777, *args, **kwargs):
        opened.append((str(path), flags, mode))
        return real_open(path, flags, mode, *args, **kwargs)

    def spy_replace(src, dst):
        # At the moment the temp file takes the real name it is complete and already 0600.
        replaced.append(stat.S_IMODE(os.stat(src).st_mode))
        assert json.loads(Path(src).read_text())["profiles"]["p"]["api_key"] == "gpk_x"
        return real_replace(src, dst)

    monkeypatch.setattr(credentials.os, "open", spy_open)
    monkeypatch.setattr(credentials.os, "replace", spy_replace)
    store.put_api_key("p", "http://api", "gpk_x")

    creates = [(p, f, m) for p, f, m in opened if f & os.O_CREAT]
    assert len(creates) == 1
    path, flags, created_mode = creates[0]
    assert created_mode == 0o600 and flags & os.O_EXCL
    assert Path(path).parent == store.directory and Path(path) != store.path
    assert replaced == [0o600]


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(store, monkeypatch):
    store.put_api_key("default", "http://api", "gpk_old")
    before = store.path.read_bytes()

    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(credentials.os, "fsync", broken_fsync)
    with pytest.raises(CredentialsError):
        store.put_api_key("default", "http://api", "gpk_new")
    assert store.path.read_bytes() == before
    assert sorted(p.name for p in store.directory.iterdir()) == ["credentials.json"]


def test_profiles_are_kept_apart(store):
    store.put_session("default", "http://one", "a1", "r1")
    store.put_api_key("ci", "http://two", "gpk_ci")
    assert store.get("default") == {"api_url": "http://one", "access_token": "a1", "refresh_token": "r1"}
    assert store.get("ci") == {"api_url": "http://two", "api_key": "gpk_ci"}
    assert store.get("missing") is None

    store.update_tokens("default", "a2", "r2")
    assert store.get("default") == {"api_url": "http://one", "access_token": "a2", "refresh_token": "r2"}
    assert store.get("ci")["api_key"] == "gpk_ci"

    assert store.delete("default") is True
    assert store.delete("default") is False
    assert set(store.profiles()) == {"ci"}
    assert mode(store.path) == 0o600


def test_a_session_replaces_an_api_key_in_the_same_profile(store):
    store.put_api_key("default", "http://api", "gpk_x")
    store.put_session("default", "http://api", "a", "r")
    assert "api_key" not in store.get("default")


def test_no_file_means_no_profiles(store):
    assert store.profiles() == {}
    assert not store.directory.exists()  # reading creates nothing


def test_a_corrupt_file_is_reported(store):
    store.directory.mkdir(parents=True)
    store.path.write_text("{not json")
    with pytest.raises(CredentialsError):
        store.profiles()
    store.path.write_text("[]")
    with pytest.raises(CredentialsError):
        store.profiles()


def test_config_dir_resolution(tmp_path, monkeypatch):
    env = {"GPUAAS_CONFIG_DIR": str(tmp_path / "explicit"), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    assert config_dir(env) == tmp_path / "explicit"
    assert config_dir({"XDG_CONFIG_HOME": str(tmp_path / "xdg")}) == tmp_path / "xdg" / "gpuaas"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert config_dir({}) == tmp_path / "home" / ".config" / "gpuaas"
    monkeypatch.setenv("GPUAAS_CONFIG_DIR", str(tmp_path / "from-env"))
    assert CredentialStore().path == tmp_path / "from-env" / "credentials.json"
