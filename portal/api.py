"""What all API views share: JSON in, errors as JSON with a reason, the staff permission."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse, QueryDict
from django.views.defaults import page_not_found
from rest_framework import exceptions, parsers, permissions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing with a 400 what Python reads but cannot keep.

    Python's json reads nesting until the interpreter's recursion limit, and
    reads ``"\\ud800"`` as a lone surrogate that no database can store: both
    became 500s further on.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None
        except UnicodeEncodeError:
            raise exceptions.ParseError(
                "JSON parse error - a string holds a lone surrogate (\\ud800-\\udfff), "
                "which is not text."
            ) from None
        return data


class FormParser(parsers.FormParser):
    """DRF's form parser, refusing with a 400 a body that is not UTF-8.

    Django would read such bytes as Latin-1 or replacement characters, and
    keep a name the person never typed.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read()
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise exceptions.ParseError("The form is not UTF-8 text.") from None
        data = QueryDict(mutable=True)
        for name, value in pairs:
            data.appendlist(name, value)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, refusing with a 400 a field that is not UTF-8, as
    ``FormParser`` does.

    Django decodes multipart field names and values with replacement characters
    (U+FFFD) where the bytes are not UTF-8; no person types that character, so a
    field holding one is refused rather than stored as a name nobody typed.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        for name, values in parsed.data.lists():
            if "\ufffd" in name or any("\ufffd" in value for value in values):
                raise exceptions.ParseError("The form is not UTF-8 text.")
        return parsed


def _api_names(errors: dict, view) -> dict:
    """Model validation names the model's fields; the API answers with its own names
    for them (a serializer field with another ``source``)."""
    get_serializer = getattr(view, "get_serializer", None)
    if get_serializer is None:
        return errors
    names = {
        field.source: name
        for name, field in get_serializer().fields.items()
        if field.source not in (name, "*")
    }
    return {names.get(model_name, model_name): value for model_name, value in errors.items()}


def exception_handler(exc, context) -> Response | None:
    """Every error answers ``{"reason": "...", "code": "...", "errors": {...}}``.

    ``code`` is DRF's (``invalid``, ``parse_error``, ``not_found``, ...);
    ``errors`` comes with invalid fields. Model validation raised by services
    becomes a 400 like a serializer's.
    """
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            _api_names(exc.message_dict, context.get("view"))
            if hasattr(exc, "error_dict")
            else {"non_field_errors": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "reason": "The request has invalid fields.",
            "code": code,
            "errors": detail,
        }
    elif isinstance(detail, dict) and "detail" in detail:
        response.data = {"reason": str(detail["detail"]), "code": code}
    else:
        response.data = {"reason": str(detail), "code": code}
    return response


_VIEW = "%(app_label)s.view_%(model_name)s"
_CHANGE = "%(app_label)s.change_%(model_name)s"


class StaffModelPermissions(permissions.DjangoModelPermissions):
    """Staff, for what their model permissions allow, as in the admin.

    Reading needs the view permission. A POST action on an existing object
    (such as ``sync``) needs the change permission; creating needs add.
    Superusers have every permission.
    """

    perms_map = permissions.DjangoModelPermissions.perms_map | {
        "GET": [_VIEW],
        "HEAD": [_VIEW],
        "OPTIONS": [_VIEW],
    }

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_staff):
            return False
        if request.method == "POST" and getattr(view, "detail", False):
            model = self._queryset(view).model
            meta = {"app_label": model._meta.app_label, "model_name": model._meta.model_name}
            return request.user.has_perm(_CHANGE % meta)
        return super().has_permission(request, view)


def not_found(request, exception=None):
    """handler404: under /api/ a URL that matches no route answers in the API's error shape,
    like one that names no object; elsewhere Django's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"reason": "No such resource.", "code": "not_found"}, status=404)
    return page_not_found(request, exception)


# --- the schema: every error an operation can answer --------------------------------

ERROR = {
    "type": "object",
    "properties": {
        "reason": {"type": "string", "description": "A sentence for the person."},
        "code": {"type": "string", "description": "invalid, parse_error, not_found, ..."},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Messages per field, with invalid fields.",
        },
    },
    "required": ["reason", "code"],
}
ERRORS = {
    "400": "Invalid fields or parameters, or a body that is not JSON (``errors`` says which).",
    "401": "No credentials, or a token that is not valid.",
    "403": "Signed in, but not allowed (not a host, or without the model permission).",
    "404": "No such object of yours, or no such page of a list.",
    "405": "The method is not allowed here.",
}


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: the error answers every API operation may give,
    with their shape, where a view does not describe them itself."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERRORS.items():
                responses.setdefault(status, {"description": description, "content": body})
    return result
