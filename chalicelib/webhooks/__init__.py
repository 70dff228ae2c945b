"""Customer webhooks: endpoints, signed deliveries, their attempts and retries (doc/webhooks.md)."""
