"""The error catalog: every error a client can see, with a stable code and an HTTP status.

Codes are a public contract (clients switch on them, the OpenAPI document lists them, state
machines match class names in ``ErrorEquals``): add codes, never rename them. The API maps an
``AppError`` to ``{"error": {"code", "message", "request_id"}}`` in exactly one place
(``chalicelib.api.routing``).
"""

from __future__ import annotations

from typing import Any, ClassVar

CATALOG: dict[str, type[AppError]] = {}


class AppError(Exception):
    """An error a client may see. Each subclass names its stable ``code``, its HTTP ``status`` and the
    message it carries when none is given; defining the subclass files it in ``CATALOG``."""

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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            return  # a refinement of its parent (same code, same answer), not a catalog entry
        if cls.code in CATALOG:
            raise TypeError(f"error code {cls.code} is defined twice: {CATALOG[cls.code].__name__}, {cls.__name__}")
        CATALOG[cls.code] = cls


# Request shape and protocol.
class MalformedJsonError(AppError):
    code = "MALFORMED_JSON"
    status = 400
    default_message = "The request body is not valid JSON"


class ValidationFailedError(AppError):
    code = "VALIDATION_ERROR"
    status = 400
    default_message = "The request is not valid"


class InvalidCursorError(AppError):
    code = "INVALID_CURSOR"
    status = 400
    default_message = "The pagination cursor is not valid"


class InvalidIdempotencyKeyError(AppError):
    code = "INVALID_IDEMPOTENCY_KEY"
    status = 400
    default_message = "The Idempotency-Key header is not valid"


class UnauthenticatedError(AppError):
    code = "UNAUTHENTICATED"
    status = 401
    default_message = "Authentication is required"


class InvalidTokenError(AppError):
    code = "INVALID_TOKEN"
    status = 401
    default_message = "The access token is not valid"


class ForbiddenError(AppError):
    code = "FORBIDDEN"
    status = 403
    default_message = "You are not allowed to do this"


class RouteNotFoundError(AppError):
    code = "ROUTE_NOT_FOUND"
    status = 404
    default_message = "No route matches this method and path"


class MethodNotAllowedError(AppError):
    code = "METHOD_NOT_ALLOWED"
    status = 405
    default_message = "This method is not allowed on this path"


class IdempotencyInProgressError(AppError):
    code = "IDEMPOTENCY_IN_PROGRESS"
    status = 409
    default_message = "A request with this Idempotency-Key is still being processed"


class PreconditionFailedError(AppError):
    code = "PRECONDITION_FAILED"
    status = 412
    default_message = "The resource changed since the version you sent"


class PayloadTooLargeError(AppError):
    code = "PAYLOAD_TOO_LARGE"
    status = 413
    default_message = "The request body is too large"


class UnsupportedMediaTypeError(AppError):
    code = "UNSUPPORTED_MEDIA_TYPE"
    status = 415
    default_message = "The request body must be application/json"


class IdempotencyKeyReusedError(AppError):
    code = "IDEMPOTENCY_KEY_REUSED"
    status = 422
    default_message = "This Idempotency-Key was used with a different request"


class RateLimitedError(AppError):
    code = "RATE_LIMITED"
    status = 429
    default_message = "Too many requests"


class ServiceUnavailableError(AppError):
    code = "SERVICE_UNAVAILABLE"
    status = 503
    default_message = "The service is temporarily unavailable"


# Inventory.
class SkuNotFoundError(AppError):
    code = "SKU_NOT_FOUND"
    status = 404
    default_message = "No such SKU"


class SkuNameTakenError(AppError):
    code = "SKU_NAME_TAKEN"
    status = 409
    default_message = "A SKU with this name already exists"


class SkuRetiredError(AppError):
    code = "SKU_RETIRED"
    status = 409
    default_message = "The SKU is retired"


class SkuMismatchError(AppError):
    code = "SKU_MISMATCH"
    status = 422
    default_message = "The node does not match the SKU"


class NodeNotFoundError(AppError):
    code = "NODE_NOT_FOUND"
    status = 404
    default_message = "No such node"


class NodeHostnameTakenError(AppError):
    code = "NODE_HOSTNAME_TAKEN"
    status = 409
    default_message = "A node with this hostname already exists"


class OsImageNotFoundError(AppError):
    code = "OS_IMAGE_NOT_FOUND"
    status = 404
    default_message = "No such OS image"


class OsImageNameTakenError(AppError):
    code = "OS_IMAGE_NAME_TAKEN"
    status = 409
    default_message = "An OS image with this name already exists"


class ConcurrentUpdateError(AppError):
    code = "CONCURRENT_UPDATE"
    status = 409
    default_message = "The resource was changed by another request; read it again and retry"


def error_for_code(code: str) -> type[AppError]:
    return CATALOG[code]


# Identity and access.
class UserNotFoundError(AppError):
    code = "USER_NOT_FOUND"
    status = 404
    default_message = "No such user"


class OrgNotFoundError(AppError):
    code = "ORG_NOT_FOUND"
    status = 404
    default_message = "No such org"


class MemberNotFoundError(AppError):
    code = "MEMBER_NOT_FOUND"
    status = 404
    default_message = "No such member in this org"


class MemberExistsError(AppError):
    code = "MEMBER_EXISTS"
    status = 409
    default_message = "This user is already a member of the org"


class LastOwnerError(AppError):
    code = "LAST_OWNER"
    status = 409
    default_message = "The org's last owner cannot be removed or demoted"


class ApiKeyNotFoundError(AppError):
    code = "API_KEY_NOT_FOUND"
    status = 404
    default_message = "No such API key"


# Fleet and node agents.
class UnsupportedProtocolError(AppError):
    code = "UNSUPPORTED_PROTOCOL"
    status = 422
    default_message = "The agent and the control plane share no protocol version"


# Allocations and node commands.
class AllocationNotFoundError(AppError):
    code = "ALLOCATION_NOT_FOUND"
    status = 404
    default_message = "No such allocation"


class InsufficientCapacityError(AppError):
    code = "INSUFFICIENT_CAPACITY"
    status = 409
    default_message = "Not enough free slots of this SKU on any one node"


class SlotUnavailableError(AppError):
    code = "SLOT_UNAVAILABLE"
    status = 409
    default_message = "A chosen slot was taken meanwhile; try again"


class InvalidAllocationStateError(AppError):
    code = "INVALID_ALLOCATION_STATE"
    status = 409
    default_message = "The allocation's state does not allow this action"


class NoSshKeysError(AppError):
    code = "NO_SSH_KEYS"
    status = 422
    default_message = "An allocation needs at least one of your SSH keys"


class CommandNotFoundError(AppError):
    code = "COMMAND_NOT_FOUND"
    status = 404
    default_message = "No such command for this node"


class CommandAlreadyReportedError(AppError):
    code = "COMMAND_ALREADY_REPORTED"
    status = 409
    default_message = "This command's result was already reported"


class StartupScriptTooLargeError(AppError):
    code = "STARTUP_SCRIPT_TOO_LARGE"
    status = 400
    default_message = "The startup script is larger than the limit"


# Logs.
class LogBatchTooLargeError(AppError):
    code = "LOG_BATCH_TOO_LARGE"
    status = 413
    default_message = "The log batch has more lines, bytes or streams than the limits allow"


class LogLineTooLongError(AppError):
    code = "LOG_LINE_TOO_LONG"
    status = 400
    default_message = "A log line is longer than the limit"


class LogTimeOutOfRangeError(AppError):
    code = "LOG_TIME_OUT_OF_RANGE"
    status = 400
    default_message = "A log line's time is too far in the past or the future"


# Billing and payments.
class InsufficientFundsError(AppError):
    code = "INSUFFICIENT_FUNDS"
    status = 402
    default_message = "The balance does not cover the minimum runway; top up first"


class SpendCapReachedError(AppError):
    code = "SPEND_CAP_REACHED"
    status = 402
    default_message = "The org's daily spend cap is reached"


class AccountFrozenError(AppError):
    code = "ACCOUNT_FROZEN"
    status = 403
    default_message = "New allocations are frozen for this org"


class LedgerEntryExistsError(AppError):
    code = "LEDGER_ENTRY_EXISTS"
    status = 409
    default_message = "This ledger entry was already posted"


class InvalidSignatureError(AppError):
    code = "INVALID_SIGNATURE"
    status = 400
    default_message = "The webhook signature is not valid"


class PaymentNotFoundError(AppError):
    code = "PAYMENT_NOT_FOUND"
    status = 404
    default_message = "No such payment for this org"


class RefundExceedsPaymentError(AppError):
    code = "REFUND_EXCEEDS_PAYMENT"
    status = 409
    default_message = "The refund is larger than what is left of the payment"


class PaymentsUnavailableError(AppError):
    code = "PAYMENTS_UNAVAILABLE"
    status = 503
    default_message = "The payment provider is not reachable; try again"


# SSH keys.
class SshKeyNotFoundError(AppError):
    code = "SSH_KEY_NOT_FOUND"
    status = 404
    default_message = "No such SSH key"


class SshKeyExistsError(AppError):
    code = "SSH_KEY_EXISTS"
    status = 409
    default_message = "You already have this SSH key"


# The terminal gateway (doc/terminal.md).
class TerminalTicketInvalidError(AppError):
    code = "TERMINAL_TICKET_INVALID"
    status = 403
    default_message = "The terminal ticket is unknown, expired or already used"


class TerminalSessionNotFoundError(AppError):
    code = "TERMINAL_SESSION_NOT_FOUND"
    status = 404
    default_message = "No such terminal session"


class TerminalSessionClosedError(AppError):
    code = "TERMINAL_SESSION_CLOSED"
    status = 409
    default_message = "The terminal session is closed; open a new one"


class FrameTooLargeError(AppError):
    code = "FRAME_TOO_LARGE"
    status = 413
    default_message = "The frame is larger than the relay's frame limit"


class InvalidFrameError(AppError):
    code = "INVALID_FRAME"
    status = 400
    default_message = "The frame is not a terminal protocol frame"


# Webhooks.
class InvalidWebhookUrlError(AppError):
    code = "INVALID_WEBHOOK_URL"
    status = 422
    default_message = "The webhook URL is not an allowed destination"


# Notifications (doc/webhooks.md, "Notifications").
class NotificationNotFoundError(AppError):
    code = "NOTIFICATION_NOT_FOUND"
    status = 404
    default_message = "No such notification"


class NotificationCategoryMandatoryError(AppError):
    code = "NOTIFICATION_CATEGORY_MANDATORY"
    status = 422
    default_message = "This notification category concerns money already at stake and cannot be turned off"


class UnsubscribeTokenInvalidError(AppError):
    code = "UNSUBSCRIBE_TOKEN_INVALID"
    status = 400
    default_message = "The unsubscribe link is not valid"


class NotificationTicketInvalidError(AppError):
    code = "NOTIFICATION_TICKET_INVALID"
    status = 403
    default_message = "The notification stream ticket is unknown, expired or already used"


class WebhookNotFoundError(AppError):
    code = "WEBHOOK_NOT_FOUND"
    status = 404
    default_message = "No such webhook endpoint"


class WebhookDeliveryNotFoundError(AppError):
    code = "WEBHOOK_DELIVERY_NOT_FOUND"
    status = 404
    default_message = "No such delivery of this webhook endpoint"


class WebhookDisabledError(AppError):
    code = "WEBHOOK_DISABLED"
    status = 409
    default_message = "The webhook endpoint is disabled; enable it first"


class DeliveryExistsError(ConcurrentUpdateError):
    """The endpoint has a delivery of this event already (a replayed fan-out message)."""


class AttemptClaimedError(ConcurrentUpdateError):
    """Another message made (or is making) this attempt already: a duplicate makes none."""


CATALOG["INTERNAL_ERROR"] = AppError
