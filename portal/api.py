"""What all API views share: errors as JSON with a reason."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context) -> Response | None:
    """Every error answers ``{"reason": "...", "errors": {...}}``.

    Model validation raised by services becomes a 400 like a serializer's.
    """
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"reason": "The request has invalid fields.", "errors": detail}
    elif isinstance(detail, dict) and "detail" in detail:
        response.data = {"reason": str(detail["detail"])}
    else:
        response.data = {"reason": str(detail)}
    return response
