"""The GPUaaS node agent: the program that runs on each GPU host.

It never listens on a socket. It registers once with a single-use bootstrap token, long-polls only its own
SQS FIFO queue with short-lived credentials scoped to that queue, executes commands idempotently by command
id, and reports results and heartbeats (with NVML telemetry) to the control plane over HTTPS.
"""

__version__ = "0.1.0"
PROTOCOL_VERSION = 1
SUPPORTED_PROTOCOL_VERSIONS = (PROTOCOL_VERSION,)
