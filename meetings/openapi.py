"""The public meeting feeds in the OpenAPI schema.

They are plain Django views (one view for every format, with its own
conditional-GET handling), so drf-spectacular does not see them; this hook
describes them, from the fields of meetings/feeds/record.py's serializers.
"""

from rest_framework import serializers

from meetings.feeds.record import (
    PublishedMeetingSerializer,
    PublishedMeetingsSerializer,
    PublishedRecordingSerializer,
)

_STRING = {"type": "string"}
SLUG = "^[-a-zA-Z0-9_]+$"  # what Django's <slug:> path converter matches
# Most specific first: URLField is a CharField.
_TYPES = (
    (serializers.URLField, {"type": "string", "format": "uri"}),
    (serializers.DateTimeField, {"type": "string", "format": "date-time"}),
    (serializers.CharField, _STRING),
    (serializers.BooleanField, {"type": "boolean"}),
    (serializers.IntegerField, {"type": "integer"}),
)


def component(serializer: serializers.Serializer) -> dict:
    """The schema of a feed serializer's output: every field, typed, nullable as declared."""
    properties = {}
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.ListSerializer):
            item = {"$ref": f"#/components/schemas/{_NAMES[type(field.child)]}"}
            properties[name] = {"type": "array", "items": item}
            continue
        schema = next(dict(t) for cls, t in _TYPES if isinstance(field, cls))
        if getattr(field, "min_value", None) is not None:
            schema["minimum"] = field.min_value
        if field.allow_null:
            schema["nullable"] = True
        if field.help_text:
            schema["description"] = str(field.help_text)
        properties[name] = schema
    return {"type": "object", "properties": properties, "required": list(properties)}


_NAMES = {
    PublishedMeetingSerializer: "PublishedMeeting",
    PublishedMeetingsSerializer: "PublishedMeetings",
    PublishedRecordingSerializer: "PublishedRecording",
}
_CONTENT_TYPES = {
    "json": "application/json",
    "xml": "application/xml",
    "ics": "text/calendar",
    "rss": "application/rss+xml",
}


def add_feed_paths(result, generator, request, public):
    """drf-spectacular postprocessing hook: append the feeds' paths and schemas."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(
        {name: component(cls()) for cls, name in _NAMES.items()}
    )
    slug = {"name": "slug", "in": "path", "required": True, "schema": {**_STRING, "pattern": SLUG}}
    if_none_match = {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "schema": _STRING,
        "description": "The ETag of the copy you keep: 304 while it is current.",
    }
    etag = {"ETag": {"required": True, "schema": _STRING, "description": "Send it back."}}
    for fmt, content_type in _CONTENT_TYPES.items():
        schema = {"$ref": "#/components/schemas/PublishedMeetings"} if fmt == "json" else _STRING
        result["paths"][f"/p/{{slug}}/meetings.{fmt}"] = {
            "get": {
                "operationId": f"published_meetings_{fmt}",
                "summary": f"Published meetings of a customer ({fmt.upper()})",
                "description": "Public, no authentication; answers 304 to If-None-Match.",
                "tags": ["published meetings"],
                "security": [{}],
                "parameters": [slug, if_none_match],
                "responses": {
                    "200": {
                        "description": "the list",
                        "headers": etag,
                        "content": {content_type: {"schema": schema}},
                    },
                    "304": {"description": "unchanged since the ETag sent", "headers": etag},
                    "404": {"description": "no such customer"},
                },
            }
        }
    return result
