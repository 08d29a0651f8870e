"""Public webinar pages, mounted under /w/ by portal/urls.py."""

from django.urls import path

from webinars.views import embed, page, register

urlpatterns = [
    path("<slug:slug>/", page.webinar_page, name="webinar-page"),
    path("<slug:slug>/embed/", embed.webinar_embed, name="webinar-embed"),
    path("<slug:slug>/register", register.register, name="webinar-register"),
    path(
        "<slug:slug>/cancel/<str:token>/",
        page.cancel_registration,
        name="webinar-cancel-registration",
    ),
]
