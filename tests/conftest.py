"""Shared fixtures. The local cloud (moto server + API + pollers) comes from localcloud's plugin."""

pytest_plugins = ["localcloud.pytest_plugin"]
