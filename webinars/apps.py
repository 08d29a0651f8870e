from django.apps import AppConfig


class WebinarsConfig(AppConfig):
    name = "webinars"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from meetings import launch
        from meetings.models import Meeting
        from webinars import selectors, tasks  # noqa: F401  (registers them: services queue by name)
        from webinars.services import webinars

        # A registrant's personal join link works while the registration holds a seat.
        launch.join_link_used.connect(selectors.registration_may_join, dispatch_uid="webinars")
        # A webinar's meeting that gets its ID on the server has join details to send.
        post_save.connect(webinars.meeting_saved, sender=Meeting, dispatch_uid="webinars")
