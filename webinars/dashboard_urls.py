"""Host pages, mounted under /dashboard/webinars/ by portal/urls.py."""

from django.urls import path, register_converter

from webinars.dashboard import exports, questions, registrations, webinars


class ExportFormatConverter:
    regex = "xlsx|csv"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportFormatConverter, "export_format")

urlpatterns = [
    path("", webinars.webinar_list, name="dashboard-webinars"),
    path("new/", webinars.webinar_new, name="dashboard-webinar-new"),
    path("<int:pk>/", webinars.webinar_detail, name="dashboard-webinar"),
    path("<int:pk>/edit/", webinars.webinar_edit, name="dashboard-webinar-edit"),
    path("<int:pk>/cancel/", webinars.webinar_cancel, name="dashboard-webinar-cancel"),
    path(
        "<int:pk>/cancel/confirm/",
        webinars.webinar_cancel_confirm,
        name="dashboard-webinar-cancel-confirm",
    ),
    path("<int:pk>/questions/", questions.questions, name="dashboard-webinar-questions"),
    path(
        "<int:pk>/questions/<int:qid>/edit/",
        questions.question_edit,
        name="dashboard-webinar-question-edit",
    ),
    path(
        "<int:pk>/questions/<int:qid>/delete/",
        questions.question_delete,
        name="dashboard-webinar-question-delete",
    ),
    path(
        "<int:pk>/questions/<int:qid>/delete/confirm/",
        questions.question_delete_confirm,
        name="dashboard-webinar-question-delete-confirm",
    ),
    path(
        "<int:pk>/questions/<int:qid>/move/",
        questions.question_move,
        name="dashboard-webinar-question-move",
    ),
    path(
        "<int:pk>/registrations/",
        registrations.registrations,
        name="dashboard-webinar-registrations",
    ),
    path(
        "<int:pk>/registrations.<export_format:fmt>",
        exports.registrations_export,
        name="dashboard-webinar-export",
    ),
    path(
        "<int:pk>/registrations/<int:rid>/<str:action>/",
        registrations.registration_action,
        name="dashboard-webinar-registration-action",
    ),
    path(
        "<int:pk>/registrations/<int:rid>/<str:action>/confirm/",
        registrations.registration_confirm,
        name="dashboard-webinar-registration-confirm",
    ),
    path("<int:pk>/custom-page/", webinars.custom_page, name="dashboard-webinar-custom-page"),
]
