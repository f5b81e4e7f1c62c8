"""v3 webhook deliveries (``hedra-openapi-v3-actions.json``): ``GET /webhooks/deliveries``
and ``POST /webhooks/deliveries/{job_id}/redeliver``, read into :class:`WebhookDelivery`."""

from __future__ import annotations

from typing import Any

from ..backend import DeliveryPage, WebhookDelivery
from ..core import Json
from ..errors import PayloadError


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def delivery_from(item: Json) -> WebhookDelivery | None:
    """One ``WebhookDeliverySummary``; None for an item without a string ``job_id``. Fields
    of the wrong type are left out, never fatal (tolerant of drift, like the job models)."""
    if not isinstance(item, dict) or not isinstance(item.get("job_id"), str):
        return None
    error = item.get("last_error")
    error = error if isinstance(error, dict) else {}
    retryable = error.get("retryable")
    return WebhookDelivery(
        job_id=item["job_id"],
        status=_str(item.get("status")) or "",
        model=_str(item.get("model")) or "",
        event_type=_str(item.get("event_type")),
        source=_str(item.get("source")) or "",
        attempts=_int(item.get("attempts")) or 0,
        redelivery_count=_int(item.get("redelivery_count")) or 0,
        last_response_status=_int(item.get("last_response_status")),
        error_code=_str(error.get("code")),
        error_message=_str(error.get("message")),
        retryable=retryable if isinstance(retryable, bool) else None,
        webhook_url=_str(item.get("webhook_url")) or "",
        created_at=_str(item.get("created_at")),
        last_attempt_at=_str(item.get("last_attempt_at")),
        raw=item,
    )


def delivery_page(payload: Json) -> DeliveryPage:
    """A ``WebhookDeliveryListResponse``; unreadable items are skipped."""
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise PayloadError("unexpected webhook deliveries payload: no 'data' list")
    items = [d for d in map(delivery_from, payload["data"]) if d is not None]
    cursor = payload.get("next_cursor")
    return DeliveryPage(items, cursor if isinstance(cursor, str) and cursor else None)


def one_delivery(payload: Json) -> WebhookDelivery:
    delivery = delivery_from(payload)
    if delivery is None:
        raise PayloadError("unexpected redelivery payload: no 'job_id'")
    return delivery
