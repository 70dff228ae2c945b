"""Executors turn a validated command payload into a workload on this host, idempotently."""

from __future__ import annotations

from gpuaas_agent.executors.base import Executor, ExecutorError
from gpuaas_agent.executors.docker import DockerExecutor
from gpuaas_agent.executors.sandbox import SandboxExecutor

EXECUTORS = ("sandbox", "docker")

__all__ = ["EXECUTORS", "DockerExecutor", "Executor", "ExecutorError", "SandboxExecutor"]
