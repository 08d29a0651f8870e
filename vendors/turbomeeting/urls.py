"""TurboMeeting's callbacks, at the site root: the paths the server's console is given."""

from django.urls import path

from vendors.turbomeeting.views import tm_auth, tm_meetings

urlpatterns = [
    path("tm/auth", tm_auth, name="tm-auth"),
    path("tm/meetings/<str:token>", tm_meetings, name="tm-meetings"),
    # A configured TurboMeeting server's own (its admin page shows them).
    path("tm/servers/<int:server_id>/auth", tm_auth, name="tm-server-auth"),
    path(
        "tm/servers/<int:server_id>/meetings/<str:token>",
        tm_meetings,
        name="tm-server-meetings",
    ),
]
