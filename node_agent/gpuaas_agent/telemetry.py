"""GPU inventory and telemetry from NVML, behind one tiny interface.

``NvmlSource`` reads a pynvml-compatible module: the real ``pynvml`` (nvidia-ml-py) on a GPU host, or
``SimulatedNvml`` (same function names, fake devices) for the local demo fleet and tests. Nothing here
raises to the caller: without a driver the source reports ``nvml.available = false`` with the error and
no GPUs, and a field NVML does not support on a device is reported as ``null``.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from gpuaas_agent.logs import log

logger = logging.getLogger(__name__)

_MAX_EVENTS_PER_POLL = 4096


class GpuSource(Protocol):
    """What the agent needs from the GPUs; implemented by ``NvmlSource``."""

    def inventory(self) -> list[dict[str, Any]]:
        """GPU_INFO for each GPU: index, uuid, model, memory_total_bytes."""
        ...

    def sample(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The heartbeat's ``nvml`` status and TELEMETRY for each GPU."""
        ...

    def close(self) -> None: ...


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass
class _Gpu:
    index: int
    handle: Any
    uuid: str
    model: str
    memory_total_bytes: int
    xid_watched: bool = False
    xid_errors: int = 0

    def info(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "uuid": self.uuid,
            "model": self.model,
            "memory_total_bytes": self.memory_total_bytes,
        }


class NvmlSource:
    """GPUs as NVML sees them. ``nvml`` is a pynvml-compatible module; by default the real ``pynvml``."""

    def __init__(self, nvml: Any = None) -> None:
        self._lock = threading.Lock()
        self._gpus: list[_Gpu] = []
        self._event_set: Any = None
        self._driver_version: str | None = None
        self._error: str | None = None
        self._nvml = nvml
        try:
            if self._nvml is None:
                import pynvml

                self._nvml = pynvml
            self._start()
        except Exception as exc:  # no library, no driver, no permission: report it, never crash
            self._error = f"{type(exc).__name__}: {exc}"[:512]
            self._gpus = []
            log(logger, "nvml_unavailable", logging.WARNING, error=self._error)

    @property
    def available(self) -> bool:
        return self._error is None

    def _start(self) -> None:
        nvml = self._nvml
        nvml.nvmlInit()
        self._driver_version = _text(nvml.nvmlSystemGetDriverVersion())
        count = nvml.nvmlDeviceGetCount()
        for index in range(count):
            handle = nvml.nvmlDeviceGetHandleByIndex(index)
            self._gpus.append(
                _Gpu(
                    index=index,
                    handle=handle,
                    uuid=_text(nvml.nvmlDeviceGetUUID(handle)),
                    model=_text(nvml.nvmlDeviceGetName(handle)),
                    memory_total_bytes=int(nvml.nvmlDeviceGetMemoryInfo(handle).total),
                )
            )
        self._watch_xids()

    def _watch_xids(self) -> None:
        nvml = self._nvml
        try:
            self._event_set = nvml.nvmlEventSetCreate()
        except nvml.NVMLError as exc:
            log(logger, "nvml_xid_events_unavailable", logging.WARNING, error=str(exc))
            return
        for gpu in self._gpus:
            try:
                nvml.nvmlDeviceRegisterEvents(gpu.handle, nvml.nvmlEventTypeXidCriticalError, self._event_set)
                gpu.xid_watched = True
            except nvml.NVMLError as exc:  # NotSupported on some boards: xid_errors stays null there
                log(logger, "nvml_xid_events_unsupported", logging.WARNING, gpu=gpu.index, error=str(exc))

    def _poll_xids(self) -> None:
        """Drain the event set without waiting (timeout 0) and count critical XIDs per GPU."""
        nvml = self._nvml
        if self._event_set is None:
            return
        by_uuid = {gpu.uuid: gpu for gpu in self._gpus}
        for _ in range(_MAX_EVENTS_PER_POLL):
            try:
                data = nvml.nvmlEventSetWait_v2(self._event_set, 0)
            except nvml.NVMLError_Timeout:
                return
            except nvml.NVMLError as exc:
                log(logger, "nvml_xid_poll_failed", logging.WARNING, error=str(exc))
                return
            if not int(data.eventType) & int(nvml.nvmlEventTypeXidCriticalError):
                continue
            try:
                gpu = by_uuid.get(_text(nvml.nvmlDeviceGetUUID(data.device)))
            except nvml.NVMLError:
                gpu = None
            if gpu is not None:
                gpu.xid_errors += 1
                log(logger, "gpu_xid_error", logging.WARNING, gpu=gpu.index, xid=int(data.eventData))

    def _field(self, read: Any, *args: Any) -> Any:
        nvml = self._nvml
        try:
            return read(*args)
        except nvml.NVMLError_NotSupported:
            return None
        except nvml.NVMLError as exc:
            log(logger, "nvml_read_failed", logging.WARNING, call=getattr(read, "__name__", "?"), error=str(exc))
            return None

    def _telemetry(self, gpu: _Gpu) -> dict[str, Any]:
        nvml = self._nvml
        h = gpu.handle
        memory = self._field(nvml.nvmlDeviceGetMemoryInfo, h)
        rates = self._field(nvml.nvmlDeviceGetUtilizationRates, h)
        temperature = self._field(nvml.nvmlDeviceGetTemperature, h, nvml.NVML_TEMPERATURE_GPU)
        milliwatts = self._field(nvml.nvmlDeviceGetPowerUsage, h)
        ecc = self._field(
            nvml.nvmlDeviceGetTotalEccErrors, h, nvml.NVML_MEMORY_ERROR_TYPE_UNCORRECTED, nvml.NVML_VOLATILE_ECC
        )
        return {
            **gpu.info(),
            "memory_used_bytes": int(memory.used) if memory is not None else None,
            "utilization_percent": int(rates.gpu) if rates is not None else None,
            "temperature_c": int(temperature) if temperature is not None else None,
            "power_watts": round(milliwatts / 1000.0, 1) if milliwatts is not None else None,
            "ecc_uncorrected_errors": int(ecc) if ecc is not None else None,
            "xid_errors": gpu.xid_errors if gpu.xid_watched else None,
        }

    def inventory(self) -> list[dict[str, Any]]:
        return [gpu.info() for gpu in self._gpus]

    def sample(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        status = {"available": self.available, "driver_version": self._driver_version, "error": self._error}
        if not self.available:
            return status, []
        with self._lock:
            self._poll_xids()
            return status, [self._telemetry(gpu) for gpu in self._gpus]

    def close(self) -> None:
        if not self.available:
            return
        nvml = self._nvml
        try:
            if self._event_set is not None:
                nvml.nvmlEventSetFree(self._event_set)
            nvml.nvmlShutdown()
        except nvml.NVMLError:
            pass


# Simulation ---------------------------------------------------------------------------------------------

# model key: (NVML name, memory bytes NVML reports, board power limit W, idle power W)
SIMULATED_MODELS: dict[str, tuple[str, int, int, int]] = {
    "H100-80GB-SXM": ("NVIDIA H100 80GB HBM3", 81559 * 2**20, 700, 70),
    "H100-80GB-PCIE": ("NVIDIA H100 PCIe", 81559 * 2**20, 350, 50),
    "H200-141GB-SXM": ("NVIDIA H200", 143771 * 2**20, 700, 75),
    "A100-80GB-SXM": ("NVIDIA A100-SXM4-80GB", 81920 * 2**20, 400, 55),
    "L40S-48GB": ("NVIDIA L40S", 46068 * 2**20, 350, 35),
}


class _SimError(Exception):
    pass


class _SimNotSupported(_SimError):
    pass


class _SimTimeout(_SimError):
    pass


@dataclass
class _SimMemory:
    total: int
    free: int
    used: int


@dataclass
class _SimRates:
    gpu: int
    memory: int


@dataclass
class _SimEvent:
    device: Any
    eventType: int
    eventData: int


class SimulatedNvml:
    """A pynvml look-alike with ``count`` fake GPUs of one model: realistic names, sizes and readings.

    UUIDs are stable for a given ``seed`` (the hostname) so a restarted demo node keeps its GPUs.
    ``inject_xid(index, xid)`` queues a critical XID event for the next poll.
    """

    NVMLError = _SimError
    NVMLError_NotSupported = _SimNotSupported
    NVMLError_Timeout = _SimTimeout
    NVML_TEMPERATURE_GPU = 0
    NVML_MEMORY_ERROR_TYPE_UNCORRECTED = 1
    NVML_VOLATILE_ECC = 0
    nvmlEventTypeXidCriticalError = 0x8

    def __init__(self, count: int, model: str = "H100-80GB-SXM", seed: str = "sim", driver: str = "550.90.07") -> None:
        name, memory, power_limit, idle = SIMULATED_MODELS.get(model, (model, 80 * 2**30, 700, 70))
        self._count = count
        self._name = name
        self._memory = memory
        self._power = (idle, power_limit)
        self._driver = driver
        self._uuids = [f"GPU-{uuid.uuid5(uuid.NAMESPACE_DNS, f'{seed}/{i}')}" for i in range(count)]
        self._rng = random.Random(seed)  # noqa: S311 - simulated readings, not security
        self._events: list[_SimEvent] = []

    def nvmlInit(self) -> None:
        pass

    def nvmlShutdown(self) -> None:
        pass

    def nvmlSystemGetDriverVersion(self) -> str:
        return self._driver

    def nvmlDeviceGetCount(self) -> int:
        return self._count

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        if not 0 <= index < self._count:
            raise _SimError(f"no GPU {index}")
        return index

    def nvmlDeviceGetUUID(self, handle: int) -> str:
        return self._uuids[handle]

    def nvmlDeviceGetName(self, handle: int) -> str:
        return self._name

    def nvmlDeviceGetMemoryInfo(self, handle: int) -> _SimMemory:
        used = int(self._memory * self._rng.uniform(0.0, 0.05)) + 512 * 2**20
        return _SimMemory(total=self._memory, free=self._memory - used, used=used)

    def nvmlDeviceGetUtilizationRates(self, handle: int) -> _SimRates:
        return _SimRates(gpu=self._rng.randint(0, 3), memory=self._rng.randint(0, 2))

    def nvmlDeviceGetTemperature(self, handle: int, sensor: int) -> int:
        return self._rng.randint(29, 38)

    def nvmlDeviceGetPowerUsage(self, handle: int) -> int:
        idle, _limit = self._power
        return int(idle * 1000 * self._rng.uniform(0.95, 1.15))

    def nvmlDeviceGetTotalEccErrors(self, handle: int, error_type: int, counter_type: int) -> int:
        return 0

    def nvmlEventSetCreate(self) -> str:
        return "sim-event-set"

    def nvmlDeviceRegisterEvents(self, handle: int, types: int, event_set: Any) -> None:
        pass

    def nvmlEventSetWait_v2(self, event_set: Any, timeout_ms: int) -> _SimEvent:
        if not self._events:
            raise _SimTimeout("timeout")
        return self._events.pop(0)

    def nvmlEventSetFree(self, event_set: Any) -> None:
        pass

    def inject_xid(self, index: int, xid: int = 79) -> None:
        self._events.append(_SimEvent(device=index, eventType=self.nvmlEventTypeXidCriticalError, eventData=xid))


def make_source(
    simulate_gpus: int | None = None, simulate_model: str = "H100-80GB-SXM", seed: str = "sim"
) -> NvmlSource:
    """The real NVML, or a simulated fleet when ``simulate_gpus`` is given."""
    if simulate_gpus is not None:
        return NvmlSource(SimulatedNvml(simulate_gpus, simulate_model, seed=seed))
    return NvmlSource()
