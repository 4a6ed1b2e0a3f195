"""The e-mails of open-licence applications, to the other side of each step: a new application
(and its withdrawal) to the publishers of the patent's holder, the holder's decision to the
applicant. Sent as the password mails are (``web/password_mail.py``): bilingual plain text
(Chinese first, English after it) from ``templates/licences/mail_*.txt``, through the
registry's mailer, after the service has committed the change.

A mail that cannot be sent is logged by the mailer, never raised: the change stands, and both
sides find it on ``/licences/`` anyway."""
from __future__ import annotations

from flask import render_template

from . import vocabularies
from .models import LicenceApplication
from .proxies import current_services
from .urls import external_url

SUBJECTS = {
    "applied": "新的专利开放许可申请 / A new open-licence application",
    "withdrawn": "专利开放许可申请已撤回 / An open-licence application was withdrawn",
    "granted": "您的专利开放许可申请已获授予 / Your open-licence application was granted",
    "refused": "您的专利开放许可申请未获同意 / Your open-licence application was refused",
}


def fee_text(amount: float | None) -> str:
    """The fee for both languages at once (a mail has no reader's locale): ``50,000 元 / CNY``."""
    return f"{amount:,.0f} 元 / CNY" if amount is not None else ""


def compose(application: LicenceApplication, step: str) -> tuple[str, str]:
    """(subject, text) of the mail of ``step``: applied, withdrawn, granted or refused."""
    patent = application.patent
    payment = (application.terms or {}).get("payment")
    vocabulary = vocabularies.get("licence_payment")
    text = render_template(f"licences/mail_{step}.txt", a=application, patent=patent, applicant=application.applicant,
                           fee=fee_text(application.fee), payment_zh=vocabulary.label(payment, "zh") if payment else "",
                           payment_en=vocabulary.label(payment, "en") if payment else "", link=external_url("licences.application", application_id=application.id),
                           patent_link=external_url("records.record", public_id=patent.public_id))
    return f"{SUBJECTS[step]}：{patent.title[:60]}", text


def notify(application: LicenceApplication, step: str) -> int:
    """Mail ``step`` to the other side; how many messages the server took."""
    services = current_services
    if step in ("applied", "withdrawn"):
        recipients = [u.email for u in services.licences.publishers_of(application.patent)]
    else:
        recipients = [application.applicant.email] if application.applicant.active else []
    subject, text = compose(application, step)
    return sum(services.mailer.send(to, subject, text) for to in recipients)


__all__ = ["compose", "notify", "SUBJECTS"]
