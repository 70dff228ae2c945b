"""The command groups, one module each; :mod:`gpuaas_client.cli.app` puts them together."""
