"""Signed webhooks (Standard Webhooks): a customer's systems learn what happens here.

Meetings and webinars tell ``services.webhook_emit`` what happened, inside their
own transaction; the deliveries it records are sent by Celery once that commits,
retried with backoff, and kept as a log the customer's administrators can read.
"""
