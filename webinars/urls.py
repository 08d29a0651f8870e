"""Public webinar pages, mounted under /w/ by portal/urls.py."""

from django.urls import path

from webinars import views

urlpatterns = [
    path("<slug:slug>/", views.webinar_page, name="webinar-page"),
    path("<slug:slug>/embed/", views.webinar_embed, name="webinar-embed"),
    path("<slug:slug>/register", views.register, name="webinar-register"),
    path(
        "<slug:slug>/cancel/<str:token>/",
        views.cancel_registration,
        name="webinar-cancel-registration",
    ),
]
