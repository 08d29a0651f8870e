"""The public meeting feeds in the OpenAPI schema.

They are plain Django views (one view for every format, with its own
conditional-GET handling), so drf-spectacular does not see them; this hook
describes them. Field names follow meetings/feeds/formats.py's ``Entry.record``.
"""

_STRING = {"type": "string"}
SLUG = "^[-a-zA-Z0-9_]+$"  # what Django's <slug:> path converter matches
_TIME = {"type": "string", "format": "date-time", "nullable": True}

MEETING = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "uid": {**_STRING, "description": "calendar UID, stable across edits"},
        "topic": _STRING,
        "meeting_id": {
            **_STRING,
            "description": (
                "the meeting server's ID; empty where the ID alone would let people past "
                "a password kept out of public links"
            ),
        },
        "is_recurring": {"type": "boolean"},
        "starts_at": _TIME,
        "ends_at": _TIME,
        "is_live": {
            "type": "boolean",
            "nullable": True,
            "description": "null where the meeting server does not report live status",
        },
        "attendees": {
            "type": "integer",
            "nullable": True,
            "description": "null where the meeting server does not count attendees",
        },
        "join_url": {"type": "string", "format": "uri", "nullable": True},
    },
}
FEED = {
    "type": "object",
    "properties": {
        "version": _STRING,
        "customer": _STRING,
        "name": _STRING,
        "time_zone": _STRING,
        "meetings": {"type": "array", "items": {"$ref": "#/components/schemas/PublishedMeeting"}},
    },
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
        {"PublishedMeeting": MEETING, "PublishedMeetings": FEED}
    )
    slug = {"name": "slug", "in": "path", "required": True, "schema": {**_STRING, "pattern": SLUG}}
    for fmt, content_type in _CONTENT_TYPES.items():
        schema = {"$ref": "#/components/schemas/PublishedMeetings"} if fmt == "json" else _STRING
        result["paths"][f"/p/{{slug}}/meetings.{fmt}"] = {
            "get": {
                "operationId": f"published_meetings_{fmt}",
                "summary": f"Published meetings of a customer ({fmt.upper()})",
                "description": "Public, no authentication; answers 304 to If-None-Match.",
                "tags": ["published meetings"],
                "security": [{}],
                "parameters": [slug],
                "responses": {
                    "200": {
                        "description": "the list",
                        "content": {content_type: {"schema": schema}},
                    },
                    "304": {"description": "unchanged since the ETag sent"},
                    "404": {"description": "no such customer"},
                },
            }
        }
    return result
