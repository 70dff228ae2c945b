"""Benchmarks (``python -m bench``): cold-start import cost and DynamoDB requests per use case.

They print ratios and counts for people to read; nothing here is a test and nothing asserts on time.
"""
