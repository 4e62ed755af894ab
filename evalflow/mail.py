"""Outgoing mail. By default each message is written as an .eml file to the outbox folder."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app


@dataclass
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/pdf"


@dataclass
class Message:
    to: str
    subject: str
    body: str
    attachments: list[Attachment] = field(default_factory=list)


def build(message: Message, sender: str) -> EmailMessage:
    """The RFC 5322 message."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(datetime.now(UTC))
    email["Message-ID"] = make_msgid(domain="evalflow")
    email.set_content(message.body)
    for item in message.attachments:
        main, sub = item.mimetype.split("/", 1)
        email.add_attachment(item.content, maintype=main, subtype=sub, filename=item.filename)
    return email


def send(message: Message) -> Path:
    """Deliver a message to the outbox folder; return the file written."""
    email = build(message, current_app.config["MAIL_SENDER"])
    outbox = Path(current_app.config["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = outbox / f"{stamp}-{secrets.token_hex(4)}.eml"
    path.write_bytes(bytes(email))
    return path
