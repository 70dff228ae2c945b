"""Terminal sessions relayed through the control plane's WebSocket API (doc/terminal.md)."""

from gpuaas_agent.terminal.manager import TerminalManager

__all__ = ["TerminalManager"]
