"""Logs: what the workloads of an allocation printed and what a node's agent logged, shipped by the
agents in batches and stored in CloudWatch Logs (one stream per allocation, one per node agent)."""
