from django.urls import include, path

from meetings import embedding
from meetings.dashboard import on_server, pages
from portal.accounts.password_reset import password_reset
from portal.accounts.views import host_language, sign_in_page

urlpatterns = [
    path("", pages.home, name="dashboard-home"),
    path("status.json", pages.status, name="dashboard-status"),
    path("join/", pages.join, name="dashboard-join"),
    path("meetings/new/", pages.meeting_new, name="dashboard-meeting-new"),
    path("meetings/<int:pk>/", pages.meeting_detail, name="dashboard-meeting"),
    path("meetings/<int:pk>/edit/", pages.meeting_edit, name="dashboard-meeting-edit"),
    path("meetings/<int:pk>/cancel/", pages.meeting_cancel, name="dashboard-meeting-cancel"),
    path("meetings/<int:pk>/retry/", pages.meeting_retry, name="dashboard-meeting-retry"),
    path("meetings/<int:pk>/stop/", pages.meeting_stop, name="dashboard-meeting-stop"),
    path("meetings/<int:pk>/start/", pages.meeting_start, name="dashboard-meeting-start"),
    path(
        "meetings/<int:pk>/recordings/publish/",
        pages.meeting_recording_publish,
        name="dashboard-meeting-recording-publish",
    ),
    path(
        "meetings/<int:pk>/schedule-on-server/",
        on_server.meeting_schedule_on_server,
        name="dashboard-meeting-schedule-on-server",
    ),
    path(
        "meetings/<int:pk>/server-sign-in/",
        on_server.meeting_server_sign_in,
        name="dashboard-meeting-server-sign-in",
    ),
    path(
        "meetings/<int:pk>/server-answer/",
        on_server.meeting_server_answer,
        name="dashboard-meeting-server-answer",
    ),
    path(
        "meetings/<int:pk>/launch-<str:role>.xml",
        pages.meeting_command_file,
        name="dashboard-meeting-command-file",
    ),
    path("embedding/", embedding.embedding, name="dashboard-embedding"),
    path("language/", host_language, name="dashboard-language"),
    # Sign-in, sign-out and the spec's "Password Assistance URL" (password reset).
    path("login/", sign_in_page, name="login"),
    path("password_reset/", password_reset, name="password_reset"),
    path("", include("django.contrib.auth.urls")),
]
