"""Delivering mail: to a real SMTP server on loopback (plain, STARTTLS with login, implicit
TLS) when one is configured, to .eml files in the outbox folder when not."""

from __future__ import annotations

import smtplib
import ssl
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from flask import Flask

from config import Config
from evalflow import mail
from tests.smtp_server import (
    closed_port,
    password_checker,
    self_signed_certificate,
    server_tls_context,
    smtp_server,
)

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n%%EOF\n"


def _message(**overrides) -> mail.Message:
    fields = {"to": "ana@agencia.mx", "subject": "Recibimos su propuesta PNC-2008-001",
              "body": "Hola, Ana:\n\nSu propuesta quedó registrada.\n"}
    fields.update(overrides)
    return mail.Message(**fields)


def _use_smtp(app: Flask, port: int, tls: str = "none", **settings: str) -> None:
    app.config.update({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_TLS": tls,
                       "SMTP_TIMEOUT": 5, "SMTP_USERNAME": "", "SMTP_PASSWORD": "", **settings})


def test_without_smtp_the_message_is_written_to_the_outbox(app: Flask) -> None:
    path = mail.send(_message(attachments=[mail.Attachment("carta.pdf", PDF)]))
    assert path is not None and path.parent == Path(app.config["OUTBOX_DIR"])
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "ana@agencia.mx"
    assert message["From"] == app.config["MAIL_SENDER"]
    assert message["Subject"] == "Recibimos su propuesta PNC-2008-001"
    assert "quedó registrada" in message.get_body(("plain",)).get_content()
    [attachment] = message.iter_attachments()
    assert attachment.get_filename() == "carta.pdf"
    assert attachment.get_content() == PDF


def test_with_smtp_the_message_goes_to_the_server_and_not_the_outbox(app: Flask) -> None:
    with smtp_server() as (inbox, port):
        _use_smtp(app, port)
        assert mail.send(_message()) is None
    [received] = inbox.received
    assert received.recipients == ["ana@agencia.mx"]
    assert received.sender == "no-reply@localhost"
    assert received.message["Subject"] == "Recibimos su propuesta PNC-2008-001"
    assert "quedó registrada" in received.body
    assert not list(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("tls", ["starttls", "ssl"])
def test_tls_with_login_checks_the_servers_certificate(
        app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tls: str) -> None:
    cert, key = self_signed_certificate(tmp_path)
    context = server_tls_context(cert, key)
    # aiosmtpd does not count implicit TLS as TLS when it decides to offer AUTH.
    server = ({"tls_context": context, "require_starttls": True} if tls == "starttls"
              else {"ssl_context": context, "auth_require_tls": False})
    with smtp_server(authenticator=password_checker("evalflow", "s3cret"), auth_required=True,
                     **server) as (inbox, port):
        _use_smtp(app, port, tls, SMTP_USERNAME="evalflow", SMTP_PASSWORD="s3cret")
        # An unknown certificate is refused: the default context verifies it.
        with pytest.raises(ssl.SSLCertVerificationError):
            mail.send(_message())
        # Trusted (as a CA bundle would make it), the message goes through after login.
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        mail.send(_message())
        _use_smtp(app, port, tls, SMTP_USERNAME="evalflow", SMTP_PASSWORD="wrong")
        with pytest.raises(smtplib.SMTPAuthenticationError):
            mail.send(_message())
    assert [r.recipients for r in inbox.received] == [["ana@agencia.mx"]]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_server_that_requires_login_refuses_a_message_without_credentials(
        app: Flask) -> None:
    with smtp_server(authenticator=password_checker("evalflow", "s3cret"), auth_required=True,
                     auth_require_tls=False) as (inbox, port):
        _use_smtp(app, port)
        with pytest.raises(smtplib.SMTPSenderRefused):
            mail.send(_message())
        _use_smtp(app, port, SMTP_USERNAME="evalflow", SMTP_PASSWORD="s3cret")
        mail.send(_message())
    assert len(inbox.received) == 1


def test_a_refused_connection_raises(app: Flask) -> None:
    _use_smtp(app, closed_port())
    with pytest.raises(ConnectionRefusedError):
        mail.send(_message())
    assert not list(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))


def test_smtp_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EVALFLOW_SMTP_HOST", "EVALFLOW_SMTP_PORT", "EVALFLOW_SMTP_TLS"):
        monkeypatch.delenv(name, raising=False)
    config = Config()
    assert (config.SMTP_HOST, config.SMTP_PORT, config.SMTP_TLS) == ("", 587, "starttls")
    monkeypatch.setenv("EVALFLOW_SMTP_HOST", "smtp.agencia.mx")
    monkeypatch.setenv("EVALFLOW_SMTP_PORT", "465")
    monkeypatch.setenv("EVALFLOW_SMTP_TLS", "SSL")
    config = Config()
    assert (config.SMTP_HOST, config.SMTP_PORT, config.SMTP_TLS) == ("smtp.agencia.mx", 465, "ssl")
    monkeypatch.setenv("EVALFLOW_SMTP_TLS", "maybe")
    with pytest.raises(ValueError, match="EVALFLOW_SMTP_TLS"):
        Config()
