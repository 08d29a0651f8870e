"""The public registration endpoint in the OpenAPI schema (webinars/views/register.py)."""

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema

from meetings.openapi import SLUG
from webinars.serializers import (
    PublicErrorSerializer,
    PublicRegistrationFormSerializer,
    PublicRegistrationResultSerializer,
    PublicRegistrationSerializer,
)

PUBLIC_REGISTRATION = extend_schema(
    operation_id="webinar_public_register",
    parameters=[OpenApiParameter("slug", str, OpenApiParameter.PATH, pattern=SLUG)],
    tags=["public registration"],
    auth=[],
    request={
        "application/json": PublicRegistrationSerializer,
        "application/x-www-form-urlencoded": PublicRegistrationFormSerializer,
    },
    responses={
        201: PublicRegistrationResultSerializer,
        200: OpenApiResponse(
            PublicRegistrationResultSerializer, description="Already registered: unchanged."
        ),
        400: PublicErrorSerializer,
        403: PublicErrorSerializer,
        404: PublicErrorSerializer,
        415: PublicErrorSerializer,
        429: PublicErrorSerializer,
    },
    examples=[
        OpenApiExample(
            "Registration",
            request_only=True,
            value={
                "first_name": "Grace",
                "last_name": "Hopper",
                "email": "grace@example.com",
                "organisation": "Navy",
                "consent": True,
            },
        ),
        OpenApiExample(
            "Invalid fields",
            response_only=True,
            status_codes=["400"],
            value={
                "reason": "Some fields need your attention.",
                "code": "invalid",
                "errors": {"email": ["Enter a valid email address."]},
            },
        ),
    ],
)
