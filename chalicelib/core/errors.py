"""The error catalog: every error a client can see, with a stable code and an HTTP status.

Codes are a public contract (clients switch on them, the OpenAPI document lists them, state
machines match class names in ``ErrorEquals``): add codes, never rename them. The API maps an
``AppError`` to ``{"error": {"code", "message", "request_id"}}`` in exactly one place
(``chalicelib.api.routing``).
"""

from __future__ import annotations

from typing import Any, ClassVar


class AppError(Exception):
    code: ClassVar[str] = "INTERNAL_ERROR"
    status: ClassVar[int] = 500
    default_message: ClassVar[str] = "Internal error"

    def __init__(
        self, message: str | None = None, *, details: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        self.message = message or self.default_message
        self.details = details
        # Response headers the error implies (Retry-After on a 429, for instance).
        self.headers = headers or {}
        super().__init__(self.message)


def _error(code: str, status: int, default_message: str) -> type[AppError]:
    cls = type(
        "".join(part.capitalize() for part in code.split("_")) + "Error",
        (AppError,),
        {"code": code, "status": status, "default_message": default_message, "__module__": __name__},
    )
    CATALOG[code] = cls
    return cls


CATALOG: dict[str, type[AppError]] = {"INTERNAL_ERROR": AppError}

# Request shape and protocol.
MalformedJson = _error("MALFORMED_JSON", 400, "The request body is not valid JSON")
ValidationFailed = _error("VALIDATION_ERROR", 400, "The request is not valid")
InvalidCursor = _error("INVALID_CURSOR", 400, "The pagination cursor is not valid")
InvalidIdempotencyKey = _error("INVALID_IDEMPOTENCY_KEY", 400, "The Idempotency-Key header is not valid")
Unauthenticated = _error("UNAUTHENTICATED", 401, "Authentication is required")
InvalidToken = _error("INVALID_TOKEN", 401, "The access token is not valid")
Forbidden = _error("FORBIDDEN", 403, "You are not allowed to do this")
RouteNotFound = _error("ROUTE_NOT_FOUND", 404, "No route matches this method and path")
MethodNotAllowed = _error("METHOD_NOT_ALLOWED", 405, "This method is not allowed on this path")
IdempotencyInProgress = _error(
    "IDEMPOTENCY_IN_PROGRESS", 409, "A request with this Idempotency-Key is still being processed"
)
PreconditionFailed = _error("PRECONDITION_FAILED", 412, "The resource changed since the version you sent")
PayloadTooLarge = _error("PAYLOAD_TOO_LARGE", 413, "The request body is too large")
UnsupportedMediaType = _error("UNSUPPORTED_MEDIA_TYPE", 415, "The request body must be application/json")
IdempotencyKeyReused = _error("IDEMPOTENCY_KEY_REUSED", 422, "This Idempotency-Key was used with a different request")
RateLimited = _error("RATE_LIMITED", 429, "Too many requests")
ServiceUnavailable = _error("SERVICE_UNAVAILABLE", 503, "The service is temporarily unavailable")

# Inventory.
SkuNotFound = _error("SKU_NOT_FOUND", 404, "No such SKU")
SkuNameTaken = _error("SKU_NAME_TAKEN", 409, "A SKU with this name already exists")
SkuRetired = _error("SKU_RETIRED", 409, "The SKU is retired")
SkuMismatch = _error("SKU_MISMATCH", 422, "The node does not match the SKU")
NodeNotFound = _error("NODE_NOT_FOUND", 404, "No such node")
NodeHostnameTaken = _error("NODE_HOSTNAME_TAKEN", 409, "A node with this hostname already exists")
OsImageNotFound = _error("OS_IMAGE_NOT_FOUND", 404, "No such OS image")
OsImageNameTaken = _error("OS_IMAGE_NAME_TAKEN", 409, "An OS image with this name already exists")
ConcurrentUpdate = _error(
    "CONCURRENT_UPDATE", 409, "The resource was changed by another request; read it again and retry"
)


def error_for_code(code: str) -> type[AppError]:
    return CATALOG[code]


# Identity and access.
UserNotFound = _error("USER_NOT_FOUND", 404, "No such user")
OrgNotFound = _error("ORG_NOT_FOUND", 404, "No such org")
MemberNotFound = _error("MEMBER_NOT_FOUND", 404, "No such member in this org")
MemberExists = _error("MEMBER_EXISTS", 409, "This user is already a member of the org")
LastOwner = _error("LAST_OWNER", 409, "The org's last owner cannot be removed or demoted")
ApiKeyNotFound = _error("API_KEY_NOT_FOUND", 404, "No such API key")

# Fleet and node agents.
UnsupportedProtocol = _error("UNSUPPORTED_PROTOCOL", 422, "The agent and the control plane share no protocol version")

# Allocations and node commands.
AllocationNotFound = _error("ALLOCATION_NOT_FOUND", 404, "No such allocation")
InsufficientCapacity = _error("INSUFFICIENT_CAPACITY", 409, "Not enough free slots of this SKU on any one node")
SlotUnavailable = _error("SLOT_UNAVAILABLE", 409, "A chosen slot was taken meanwhile; try again")
InvalidAllocationState = _error("INVALID_ALLOCATION_STATE", 409, "The allocation's state does not allow this action")
NoSshKeys = _error("NO_SSH_KEYS", 422, "An allocation needs at least one of your SSH keys")
CommandNotFound = _error("COMMAND_NOT_FOUND", 404, "No such command for this node")
CommandAlreadyReported = _error("COMMAND_ALREADY_REPORTED", 409, "This command's result was already reported")

# Billing and payments.
InsufficientFunds = _error("INSUFFICIENT_FUNDS", 402, "The balance does not cover the minimum runway; top up first")
SpendCapReached = _error("SPEND_CAP_REACHED", 402, "The org's daily spend cap is reached")
AccountFrozen = _error("ACCOUNT_FROZEN", 403, "New allocations are frozen for this org")
LedgerEntryExists = _error("LEDGER_ENTRY_EXISTS", 409, "This ledger entry was already posted")
InvalidSignature = _error("INVALID_SIGNATURE", 400, "The webhook signature is not valid")
PaymentNotFound = _error("PAYMENT_NOT_FOUND", 404, "No such payment for this org")
RefundExceedsPayment = _error("REFUND_EXCEEDS_PAYMENT", 409, "The refund is larger than what is left of the payment")
PaymentsUnavailable = _error("PAYMENTS_UNAVAILABLE", 503, "The payment provider is not reachable; try again")

# SSH keys.
SshKeyNotFound = _error("SSH_KEY_NOT_FOUND", 404, "No such SSH key")
SshKeyExists = _error("SSH_KEY_EXISTS", 409, "You already have this SSH key")
