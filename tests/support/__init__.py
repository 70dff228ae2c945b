"""Helpers shared by test suites (contract checks of events and function payloads)."""
