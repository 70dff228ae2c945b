"""GPUaaS client: a Python SDK (:class:`Client`) and the ``gpuaas`` command line."""

from gpuaas_client.sdk import AllocationFailed, ApiError, Client, GpuaasError, TransportError, WaitTimeout

__all__ = ["AllocationFailed", "ApiError", "Client", "GpuaasError", "TransportError", "WaitTimeout", "__version__"]
__version__ = "0.1.0"
