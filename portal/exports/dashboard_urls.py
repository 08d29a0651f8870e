"""Export pages, mounted under /dashboard/exports/ by portal/urls.py."""

from django.urls import path

from portal.exports import views

urlpatterns = [
    path("<slug:exporter>/<int:object_id>/", views.export_start, name="dashboard-export-start"),
    path("<uuid:uid>/", views.export_job, name="dashboard-export-job"),
    path("<uuid:uid>/status.json", views.export_job_status, name="dashboard-export-status"),
    path("<uuid:uid>/download/", views.export_download, name="dashboard-export-download"),
]
