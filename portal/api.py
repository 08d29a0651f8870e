"""What all API views share: JSON in, errors as JSON with a reason, the staff permission."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from django.core.exceptions import (
    PermissionDenied as DjangoPermissionDenied,
    ValidationError as DjangoValidationError,
)
from django.http import Http404, JsonResponse, QueryDict
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
    becomes a 400 like a serializer's; Django's 404 and 403 (``get_object_or_404``)
    answer with DRF's codes, as the schema promises.
    """
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            _api_names(exc.message_dict, context.get("view"))
            if hasattr(exc, "error_dict")
            else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    code = exc.default_code
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


def _error(codes: list[str], *, errors: bool = False) -> dict:
    """An error body whose ``code`` is one of ``codes``: a client can rely on them."""
    properties = {
        "reason": {"type": "string", "description": "A sentence for the person."},
        "code": {"type": "string", "enum": codes},
    }
    if errors:
        properties["errors"] = {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Messages per field (``non_field_errors`` for the whole body), "
            "with invalid fields.",
        }
    return {"type": "object", "properties": properties, "required": ["reason", "code"]}


# status: (component, its body, what it means). DRF's codes, which exception_handler keeps.
ERRORS = {
    "400": (
        "InvalidRequestError",
        _error(["invalid", "parse_error"], errors=True),
        "Invalid fields or parameters (``errors`` says which), or a body that is not JSON.",
    ),
    "401": (
        "UnauthorizedError",
        _error(["not_authenticated", "authentication_failed"]),
        "No credentials, or a token that is not valid (expired, revoked).",
    ),
    "403": (
        "ForbiddenError",
        _error(["permission_denied"]),
        "Signed in, but not allowed (not a host, or without the model permission).",
    ),
    "404": (
        "NotFoundError",
        _error(["not_found"]),
        "No such object of yours, or no such page of a list.",
    ),
    "405": (
        "MethodNotAllowedError",
        _error(["method_not_allowed"]),
        "The method is not allowed here.",
    ),
    "409": (
        "ConflictError",
        _error(["meeting_is_live"]),
        "The object's state takes no such change now (a meeting that runs: the reason "
        "says which fields).",
    ),
    "415": (
        "UnsupportedMediaTypeError",
        _error(["unsupported_media_type"]),
        "The body is not of a type this operation reads (application/json).",
    ),
    "429": (
        "ThrottledError",
        _error(["throttled"]),
        "Too many attempts; the reason says for how long.",
    ),
}
#: Answered by every operation of the API; 415 by those that read a body, 429 by those that
#: say so.
_EVERYWHERE = ("400", "401", "403", "404", "405")


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: the error answers every API operation may give,
    each with its body, where a view does not describe the body itself."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema, _ in ERRORS.values():
        schemas[name] = schema
    for path, operations in result["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            answered = {*_EVERYWHERE, *responses}
            if "requestBody" in operation:
                answered.add("415")
            for status, (name, _, description) in ERRORS.items():
                if status not in answered:
                    continue
                response = responses.setdefault(status, {"description": description})
                response.setdefault("content", {}).setdefault(
                    "application/json", {"schema": {"$ref": f"#/components/schemas/{name}"}}
                )
    return result
