"""Emails through Amazon SES (the SESv2 API), sent as raw MIME so that each carries its plain-text
and HTML parts and the one-click unsubscribe headers (RFC 2369 List-Unsubscribe, RFC 8058
List-Unsubscribe-Post), which SES's simple content cannot carry everywhere."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cached_property
from typing import Any

from chalicelib.core.settings import get_settings
from chalicelib.notifications.models import Email

# RFC 5322's line limit: a long unsubscribe URL must stay one plain header line, not be folded into
# RFC 2047 encoded words that mail clients would not read as a URL.
_POLICY = policy.SMTP.clone(max_line_length=998)


def mime_message(email: Email, sender: str) -> EmailMessage:
    message = EmailMessage(policy=_POLICY)
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or None)
    if email.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{email.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message


class SesMailer:
    def __init__(self, sender: str | None = None, configuration_set: str | None = None) -> None:
        settings = get_settings()
        self._sender = sender or settings.notifications_sender
        self._configuration_set = configuration_set if configuration_set is not None else settings.ses_configuration_set

    @cached_property
    def _client(self) -> Any:
        import boto3

        return boto3.client("sesv2", region_name=get_settings().region)

    def send(self, email: Email) -> str:
        request: dict[str, Any] = {
            "FromEmailAddress": self._sender,
            "Destination": {"ToAddresses": [email.to]},
            "Content": {"Raw": {"Data": mime_message(email, self._sender).as_bytes()}},
            "EmailTags": [{"Name": k, "Value": v} for k, v in email.tags.items()],
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        answer = self._client.send_email(**request)
        return str(answer.get("MessageId", ""))
