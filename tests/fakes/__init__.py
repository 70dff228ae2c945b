"""In-memory fakes of each context's repositories and unit of work, with DynamoDB's semantics:
a unit of work applies all of its writes or none, and each write's condition raises the same domain
error as the DynamoDB adapter in ``chalicelib.storage``."""
