"""Emails from Jinja2 templates (``templates/email.txt`` and ``templates/email.html``; HTML is
autoescaped, so an org name or a webhook description cannot inject markup)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from chalicelib.notifications.models import Category, Email, Recipient
from chalicelib.notifications.payloads import Content

_TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        keep_trailing_newline=True,
    )


def render_email(
    *,
    content: Content,
    org_name: str,
    recipient: Recipient,
    category: Category,
    console_url: str,
    unsubscribe_url: str | None,
) -> Email:
    values = {
        "content": content,
        "org_name": org_name,
        "name": recipient.name,
        "role": recipient.role,
        "category_title": category.title,
        "console_url": console_url,
        "unsubscribe_url": unsubscribe_url,
    }
    env = _environment()
    return Email(
        to=recipient.email,
        subject=f"[GPUaaS] {org_name}: {content.title}",
        text=env.get_template("email.txt").render(values),
        html=env.get_template("email.html").render(values),
        unsubscribe_url=unsubscribe_url,
        tags={"category": category.name},
    )
