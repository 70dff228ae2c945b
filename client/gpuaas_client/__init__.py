"""GPUaaS client: a Python SDK (:class:`Client`) and the ``gpuaas`` command line."""

from gpuaas_client.sdk import ApiError, Client, GpuaasError, TransportError, WaitTimeout

__all__ = ["ApiError", "Client", "GpuaasError", "TransportError", "WaitTimeout", "__version__"]
__version__ = "0.1.0"
