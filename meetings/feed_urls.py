"""/p/<customer-slug>/meetings/ and its feeds, mounted under /p/ by portal/urls.py."""

from django.urls import path, register_converter

from meetings.feeds import DEFAULT_FORMAT, FORMATS, published_meetings
from meetings.views import published_join


class FeedFormatConverter:
    """Matches only registered feed formats, so /p/x/meetings.pdf is a 404 before any view runs."""

    regex = "|".join(
        sorted(f.extension for f in FORMATS.values() if f.public and f.extension != DEFAULT_FORMAT)
    )

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FeedFormatConverter, "meeting_feed")

urlpatterns = [
    path("<slug:slug>/meetings/", published_meetings, name="published-meetings"),
    path(
        "<slug:slug>/meetings.<meeting_feed:format>",
        published_meetings,
        name="published-meetings-feed",
    ),
    path("<slug:slug>/meetings/<int:pk>/join/", published_join, name="published-meeting-join"),
]
