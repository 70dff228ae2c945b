from gpuaas_client.cli.app import run

run()
