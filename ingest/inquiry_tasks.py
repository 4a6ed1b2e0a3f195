"""Celery task of the inquiries' e-mail (``web/inquiry_mail.py``): thin, carrying ids. It runs
after the commit that made the event, reloads it, and tries again later for the recipients whose
mail server did not take the mail (the others are not mailed twice)."""
from __future__ import annotations

from celery import shared_task

from web import inquiry_mail

MAX_RETRIES = 8
RETRY_BASE_SECONDS = 60
RETRY_MAX_SECONDS = 6 * 3600


@shared_task(name=inquiry_mail.TASK, bind=True, acks_late=True, ignore_result=True, max_retries=MAX_RETRIES)
def notify(self, kind: str, inquiry_id: int, actor_id: int, message_id: int | None = None, to: list[int] | None = None) -> list[int]:
    failed = inquiry_mail.send(kind, inquiry_id, actor_id, message_id, to)
    if failed and self.request.retries < MAX_RETRIES:
        delay = min(RETRY_BASE_SECONDS * 2 ** self.request.retries, RETRY_MAX_SECONDS)
        raise self.retry(kwargs={"kind": kind, "inquiry_id": inquiry_id, "actor_id": actor_id, "message_id": message_id, "to": failed},
                         countdown=delay)
    return failed
