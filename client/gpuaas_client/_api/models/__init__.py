"""Contains all the data models used in inputs/outputs"""

from .add_member_body import AddMemberBody
from .add_ssh_key_body import AddSshKeyBody
from .agent_log_line import AgentLogLine
from .agent_logs_body import AgentLogsBody
from .allocation import Allocation
from .allocation_action import AllocationAction
from .allocation_page import AllocationPage
from .allocation_slot import AllocationSlot
from .allocation_state import AllocationState
from .api_key import ApiKey
from .api_key_page import ApiKeyPage
from .api_key_role import ApiKeyRole
from .audit_page import AuditPage
from .audit_record import AuditRecord
from .audit_record_actor import AuditRecordActor
from .audit_record_actor_via import AuditRecordActorVia
from .audit_record_after import AuditRecordAfter
from .audit_record_before import AuditRecordBefore
from .balance import Balance
from .billing_policy import BillingPolicy
from .billing_policy_body import BillingPolicyBody
from .bootstrap_token_body import BootstrapTokenBody
from .change_role_body import ChangeRoleBody
from .checkout import Checkout
from .checkout_body import CheckoutBody
from .cloud_event import CloudEvent
from .cloud_event_data import CloudEventData
from .command_result_ack import CommandResultAck
from .command_result_body import CommandResultBody
from .command_result_body_output import CommandResultBodyOutput
from .connection import Connection
from .create_allocation_body import CreateAllocationBody
from .create_api_key_body import CreateApiKeyBody
from .create_node_body import CreateNodeBody
from .create_os_image_body import CreateOsImageBody
from .create_sku_body import CreateSkuBody
from .create_webhook_body import CreateWebhookBody
from .dev_checkout_completion import DevCheckoutCompletion
from .dev_session import DevSession
from .dev_token_body import DevTokenBody
from .drain_node_body import DrainNodeBody
from .error_code import ErrorCode
from .error_envelope import ErrorEnvelope
from .error_envelope_error import ErrorEnvelopeError
from .error_envelope_error_details_type_1 import ErrorEnvelopeErrorDetailsType1
from .event_feed_page import EventFeedPage
from .event_page import EventPage
from .field_problem import FieldProblem
from .force_release_body import ForceReleaseBody
from .gpu_info import GpuInfo
from .gpu_telemetry import GpuTelemetry
from .health import Health
from .heartbeat_ack import HeartbeatAck
from .heartbeat_body import HeartbeatBody
from .jwk import Jwk
from .jwks import Jwks
from .ledger_entry import LedgerEntry
from .ledger_entry_cause import LedgerEntryCause
from .ledger_entry_kind import LedgerEntryKind
from .ledger_line import LedgerLine
from .ledger_line_account import LedgerLineAccount
from .ledger_page import LedgerPage
from .log_batch_ack import LogBatchAck
from .log_line import LogLine
from .log_page import LogPage
from .logout_body import LogoutBody
from .me import Me
from .me_auth import MeAuth
from .me_org import MeOrg
from .me_org_membership import MeOrgMembership
from .me_org_membership_role import MeOrgMembershipRole
from .me_role import MeRole
from .me_user import MeUser
from .member import Member
from .member_page import MemberPage
from .member_role import MemberRole
from .new_api_key import NewApiKey
from .new_api_key_role import NewApiKeyRole
from .new_bootstrap_token import NewBootstrapToken
from .new_webhook import NewWebhook
from .new_webhook_disabled_reason_type_1 import NewWebhookDisabledReasonType1
from .node import Node
from .node_health import NodeHealth
from .node_page import NodePage
from .node_status import NodeStatus
from .node_with_slots import NodeWithSlots
from .node_with_slots_health import NodeWithSlotsHealth
from .node_with_slots_status import NodeWithSlotsStatus
from .notification import Notification
from .notification_category import NotificationCategory
from .notification_data import NotificationData
from .notification_page import NotificationPage
from .notification_preferences import NotificationPreferences
from .notification_preferences_body import NotificationPreferencesBody
from .notification_preferences_body_email import NotificationPreferencesBodyEmail
from .notification_preferences_categories_item import NotificationPreferencesCategoriesItem
from .notification_preferences_categories_item_name import NotificationPreferencesCategoriesItemName
from .notification_preferences_email import NotificationPreferencesEmail
from .notification_stream_ticket import NotificationStreamTicket
from .notifications_marked import NotificationsMarked
from .nvml_status import NvmlStatus
from .oidc_discovery import OidcDiscovery
from .open_terminal_body import OpenTerminalBody
from .open_terminal_body_kind import OpenTerminalBodyKind
from .os_image import OsImage
from .os_image_page import OsImagePage
from .os_image_status import OsImageStatus
from .public_event import PublicEvent
from .public_event_data import PublicEventData
from .queue_credentials import QueueCredentials
from .refund import Refund
from .refund_body import RefundBody
from .refund_source import RefundSource
from .refund_status import RefundStatus
from .register_agent_body import RegisterAgentBody
from .registered_node import RegisteredNode
from .session import Session
from .sku import Sku
from .sku_page import SkuPage
from .sku_status import SkuStatus
from .slot import Slot
from .slot_state import SlotState
from .spend_cap import SpendCap
from .spend_cap_body import SpendCapBody
from .ssh_key import SshKey
from .ssh_key_page import SshKeyPage
from .ssh_key_type import SshKeyType
from .ssh_keys_body import SshKeysBody
from .statement import Statement
from .statement_movements_micros import StatementMovementsMicros
from .terminal_ticket import TerminalTicket
from .terminal_ticket_kind import TerminalTicketKind
from .token_body import TokenBody
from .unsubscribed import Unsubscribed
from .unsubscribed_category import UnsubscribedCategory
from .update_sku_body import UpdateSkuBody
from .update_webhook_body import UpdateWebhookBody
from .usage import Usage
from .usage_by_allocation import UsageByAllocation
from .usage_day import UsageDay
from .usage_row import UsageRow
from .webhook import Webhook
from .webhook_ack import WebhookAck
from .webhook_ack_outcome import WebhookAckOutcome
from .webhook_attempt import WebhookAttempt
from .webhook_attempt_status import WebhookAttemptStatus
from .webhook_attempt_trigger import WebhookAttemptTrigger
from .webhook_delivery import WebhookDelivery
from .webhook_delivery_detail import WebhookDeliveryDetail
from .webhook_delivery_detail_payload import WebhookDeliveryDetailPayload
from .webhook_delivery_detail_status import WebhookDeliveryDetailStatus
from .webhook_delivery_detail_trigger import WebhookDeliveryDetailTrigger
from .webhook_delivery_page import WebhookDeliveryPage
from .webhook_delivery_status import WebhookDeliveryStatus
from .webhook_delivery_trigger import WebhookDeliveryTrigger
from .webhook_disabled_reason_type_1 import WebhookDisabledReasonType1
from .webhook_page import WebhookPage
from .webhook_recovery import WebhookRecovery

__all__ = (
    "AddMemberBody",
    "AddSshKeyBody",
    "AgentLogLine",
    "AgentLogsBody",
    "Allocation",
    "AllocationAction",
    "AllocationPage",
    "AllocationSlot",
    "AllocationState",
    "ApiKey",
    "ApiKeyPage",
    "ApiKeyRole",
    "AuditPage",
    "AuditRecord",
    "AuditRecordActor",
    "AuditRecordActorVia",
    "AuditRecordAfter",
    "AuditRecordBefore",
    "Balance",
    "BillingPolicy",
    "BillingPolicyBody",
    "BootstrapTokenBody",
    "ChangeRoleBody",
    "Checkout",
    "CheckoutBody",
    "CloudEvent",
    "CloudEventData",
    "CommandResultAck",
    "CommandResultBody",
    "CommandResultBodyOutput",
    "Connection",
    "CreateAllocationBody",
    "CreateApiKeyBody",
    "CreateNodeBody",
    "CreateOsImageBody",
    "CreateSkuBody",
    "CreateWebhookBody",
    "DevCheckoutCompletion",
    "DevSession",
    "DevTokenBody",
    "DrainNodeBody",
    "ErrorCode",
    "ErrorEnvelope",
    "ErrorEnvelopeError",
    "ErrorEnvelopeErrorDetailsType1",
    "EventFeedPage",
    "EventPage",
    "FieldProblem",
    "ForceReleaseBody",
    "GpuInfo",
    "GpuTelemetry",
    "Health",
    "HeartbeatAck",
    "HeartbeatBody",
    "Jwk",
    "Jwks",
    "LedgerEntry",
    "LedgerEntryCause",
    "LedgerEntryKind",
    "LedgerLine",
    "LedgerLineAccount",
    "LedgerPage",
    "LogBatchAck",
    "LogLine",
    "LogoutBody",
    "LogPage",
    "Me",
    "MeAuth",
    "Member",
    "MemberPage",
    "MemberRole",
    "MeOrg",
    "MeOrgMembership",
    "MeOrgMembershipRole",
    "MeRole",
    "MeUser",
    "NewApiKey",
    "NewApiKeyRole",
    "NewBootstrapToken",
    "NewWebhook",
    "NewWebhookDisabledReasonType1",
    "Node",
    "NodeHealth",
    "NodePage",
    "NodeStatus",
    "NodeWithSlots",
    "NodeWithSlotsHealth",
    "NodeWithSlotsStatus",
    "Notification",
    "NotificationCategory",
    "NotificationData",
    "NotificationPage",
    "NotificationPreferences",
    "NotificationPreferencesBody",
    "NotificationPreferencesBodyEmail",
    "NotificationPreferencesCategoriesItem",
    "NotificationPreferencesCategoriesItemName",
    "NotificationPreferencesEmail",
    "NotificationsMarked",
    "NotificationStreamTicket",
    "NvmlStatus",
    "OidcDiscovery",
    "OpenTerminalBody",
    "OpenTerminalBodyKind",
    "OsImage",
    "OsImagePage",
    "OsImageStatus",
    "PublicEvent",
    "PublicEventData",
    "QueueCredentials",
    "Refund",
    "RefundBody",
    "RefundSource",
    "RefundStatus",
    "RegisterAgentBody",
    "RegisteredNode",
    "Session",
    "Sku",
    "SkuPage",
    "SkuStatus",
    "Slot",
    "SlotState",
    "SpendCap",
    "SpendCapBody",
    "SshKey",
    "SshKeyPage",
    "SshKeysBody",
    "SshKeyType",
    "Statement",
    "StatementMovementsMicros",
    "TerminalTicket",
    "TerminalTicketKind",
    "TokenBody",
    "Unsubscribed",
    "UnsubscribedCategory",
    "UpdateSkuBody",
    "UpdateWebhookBody",
    "Usage",
    "UsageByAllocation",
    "UsageDay",
    "UsageRow",
    "Webhook",
    "WebhookAck",
    "WebhookAckOutcome",
    "WebhookAttempt",
    "WebhookAttemptStatus",
    "WebhookAttemptTrigger",
    "WebhookDelivery",
    "WebhookDeliveryDetail",
    "WebhookDeliveryDetailPayload",
    "WebhookDeliveryDetailStatus",
    "WebhookDeliveryDetailTrigger",
    "WebhookDeliveryPage",
    "WebhookDeliveryStatus",
    "WebhookDeliveryTrigger",
    "WebhookDisabledReasonType1",
    "WebhookPage",
    "WebhookRecovery",
)
