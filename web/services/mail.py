"""Outgoing e-mail over SMTP (the standard library's smtplib and email). Without a configured
server (development) a message is written to the log instead, so a newcomer can still follow
a password-reset link."""
from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class MailSettings:
    server: str | None
    port: int = 25
    use_tls: bool = False
    use_ssl: bool = False
    username: str | None = None
    password: str | None = None
    sender: str = "noreply@localhost"
    timeout: float = 20

    @classmethod
    def from_config(cls, config: Any) -> "MailSettings":
        return cls(config.get("MAIL_SERVER"), int(config.get("MAIL_PORT") or 25), bool(config.get("MAIL_USE_TLS")),
                   bool(config.get("MAIL_USE_SSL")), config.get("MAIL_USERNAME"), config.get("MAIL_PASSWORD"),
                   config.get("MAIL_SENDER") or "noreply@localhost", float(config.get("MAIL_TIMEOUT") or 20))


class Mailer:
    def __init__(self, settings: MailSettings):
        self.settings = settings

    def message(self, to: str, subject: str, text: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.settings.sender, to, subject
        msg["Message-ID"] = make_msgid(domain=self.settings.sender.rsplit("@", 1)[-1].strip(">") or "localhost")
        msg.set_content(text)
        return msg

    def send(self, to: str, subject: str, text: str) -> bool:
        """Send one plain-text message; True when the server took it. Failures are logged, not
        raised: whoever asked is never told more than "if the address is known, a mail is on its way"."""
        return self.send_message(self.message(to, subject, text))

    def send_message(self, msg: EmailMessage) -> bool:
        """Send a prepared message; True when the server accepted it. Without a server it is logged."""
        if not self.settings.server:
            log.warning("no MAIL_SERVER: mail to %s not sent:\n%s", msg["To"], _text_of(msg))
            return False
        try:
            self.transmit(msg)
            return True
        except (OSError, smtplib.SMTPException):
            log.exception("could not send mail to %s via %s:%s", msg["To"], self.settings.server, self.settings.port)
            return False

    def transmit(self, msg: EmailMessage) -> None:
        """Hand one message to the server, raising ``OSError`` or ``smtplib.SMTPException`` when it
        does not take it (for callers that keep the reason and retry, as the alerts do)."""
        s = self.settings
        if not s.server:
            raise smtplib.SMTPException("no MAIL_SERVER configured")
        if s.use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.server, s.port, timeout=s.timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(s.server, s.port, timeout=s.timeout)
        with smtp:
            if s.use_tls and not s.use_ssl:
                smtp.starttls(context=ssl.create_default_context())
            if s.username:
                smtp.login(s.username, s.password or "")
            smtp.send_message(msg)


def _text_of(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",)) if msg.is_multipart() else msg
    return part.get_content() if part is not None else ""
