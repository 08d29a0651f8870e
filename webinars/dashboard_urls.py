"""Host pages, mounted under /dashboard/webinars/ by portal/urls.py."""

from django.urls import path, register_converter

from webinars import dashboard


class ExportFormatConverter:
    regex = "xlsx|csv"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportFormatConverter, "export_format")

urlpatterns = [
    path("", dashboard.webinar_list, name="dashboard-webinars"),
    path("new/", dashboard.webinar_new, name="dashboard-webinar-new"),
    path("<int:pk>/", dashboard.webinar_detail, name="dashboard-webinar"),
    path("<int:pk>/edit/", dashboard.webinar_edit, name="dashboard-webinar-edit"),
    path("<int:pk>/cancel/", dashboard.webinar_cancel, name="dashboard-webinar-cancel"),
    path(
        "<int:pk>/cancel/confirm/",
        dashboard.webinar_cancel_confirm,
        name="dashboard-webinar-cancel-confirm",
    ),
    path("<int:pk>/questions/", dashboard.questions, name="dashboard-webinar-questions"),
    path(
        "<int:pk>/questions/<int:qid>/edit/",
        dashboard.question_edit,
        name="dashboard-webinar-question-edit",
    ),
    path(
        "<int:pk>/questions/<int:qid>/delete/",
        dashboard.question_delete,
        name="dashboard-webinar-question-delete",
    ),
    path(
        "<int:pk>/questions/<int:qid>/delete/confirm/",
        dashboard.question_delete_confirm,
        name="dashboard-webinar-question-delete-confirm",
    ),
    path(
        "<int:pk>/questions/<int:qid>/move/",
        dashboard.question_move,
        name="dashboard-webinar-question-move",
    ),
    path(
        "<int:pk>/registrations/",
        dashboard.registrations,
        name="dashboard-webinar-registrations",
    ),
    path(
        "<int:pk>/registrations.<export_format:fmt>",
        dashboard.registrations_export,
        name="dashboard-webinar-export",
    ),
    path("<int:pk>/exports/", dashboard.export_start, name="dashboard-webinar-export-start"),
    path("<int:pk>/exports/<uuid:eid>/", dashboard.export_job, name="dashboard-webinar-export-job"),
    path(
        "<int:pk>/exports/<uuid:eid>/status.json",
        dashboard.export_job_status,
        name="dashboard-webinar-export-status",
    ),
    path(
        "<int:pk>/exports/<uuid:eid>/download/",
        dashboard.export_download,
        name="dashboard-webinar-export-download",
    ),
    path(
        "<int:pk>/registrations/<int:rid>/<str:action>/",
        dashboard.registration_action,
        name="dashboard-webinar-registration-action",
    ),
    path(
        "<int:pk>/registrations/<int:rid>/<str:action>/confirm/",
        dashboard.registration_confirm,
        name="dashboard-webinar-registration-confirm",
    ),
    path("<int:pk>/custom-page/", dashboard.custom_page, name="dashboard-webinar-custom-page"),
]
