"""Terminal sessions over the control plane's relay (doc/terminal.md): ``gpuaas terminal`` and ``gpuaas ssh-proxy``."""

from gpuaas_client.terminal.session import RelaySession

__all__ = ["RelaySession"]
