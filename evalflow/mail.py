"""Outgoing mail: build an RFC 5322 message and deliver it.

Delivery is by SMTP when `SMTP_HOST` is set (STARTTLS on port 587 by default, implicit TLS
with `SMTP_TLS = "ssl"`, plain with "none"; login only when a username is given), else the
message is written as an .eml file to the outbox folder. Every failure raises: mail is sent
from background jobs, which RQ retries and the inline runner logs.
"""

from __future__ import annotations

import secrets
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from flask import current_app

TLS_MODES = ("starttls", "ssl", "none")


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


def send(message: Message) -> Path | None:
    """Deliver a message by SMTP, or to the outbox folder (returning the file written)."""
    config = current_app.config
    email = build(message, config["MAIL_SENDER"])
    if config.get("SMTP_HOST"):
        send_smtp(email, config)
        return None
    return write_outbox(email, Path(config["OUTBOX_DIR"]))


def send_smtp(email: EmailMessage, config: Any) -> None:
    """Hand the message to the configured SMTP server; raise on any refusal."""
    host, port = config["SMTP_HOST"], int(config["SMTP_PORT"])
    tls, timeout = config["SMTP_TLS"], float(config["SMTP_TIMEOUT"])
    if tls not in TLS_MODES:
        raise ValueError(f"SMTP_TLS is {tls!r}; expected one of {TLS_MODES}")
    client: smtplib.SMTP
    if tls == "ssl":
        client = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                  context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if tls == "starttls":
            client.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USERNAME"):
            client.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
        client.send_message(email)


def write_outbox(email: EmailMessage, outbox: Path) -> Path:
    """Write the message as an .eml file; return its path."""
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = outbox / f"{stamp}-{secrets.token_hex(4)}.eml"
    path.write_bytes(bytes(email))
    return path
