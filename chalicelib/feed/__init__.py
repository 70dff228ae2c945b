"""The event feed: every public event of an org, in a strict order a durable cursor follows (doc/webhooks.md)."""
