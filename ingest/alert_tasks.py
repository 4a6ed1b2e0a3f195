"""Celery tasks of the alerts' delivery: thin, carrying ids, safe to run twice (the service
claims each delivery and the unique period makes a digest once)."""
from __future__ import annotations

from celery import shared_task

from web.proxies import current_services


@shared_task(name="alerts.deliver", ignore_result=True)
def deliver(delivery_id: int) -> str:
    """Send one delivery now (dispatched after the matcher's commit). A failure is kept on the
    row with its next attempt; ``deliver_due`` retries it, so nothing is retried here."""
    return current_services.alert_deliveries.deliver(delivery_id)


@shared_task(name="alerts.deliver_due", ignore_result=True)
def deliver_due() -> int:
    """Periodic: deliveries not dispatched, due for a retry, or left claimed by a killed worker."""
    return current_services.alert_deliveries.deliver_due()


@shared_task(name="alerts.send_digests", ignore_result=True)
def send_digests() -> list[int]:
    """Periodic: make the digests that are due, then send them."""
    service = current_services.alert_deliveries
    ids = service.create_digests()
    service.dispatch(ids)
    return ids
