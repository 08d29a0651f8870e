from django.apps import AppConfig


class WebinarsConfig(AppConfig):
    name = "webinars"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from meetings import launch
        from meetings.models import Meeting
        from webinars import exports, selectors, tasks  # noqa: F401  (registers them)
        from webinars.services import attendance, webinars

        # A registrant's personal join link works while the registration holds a seat.
        launch.join_link_used.connect(selectors.registration_may_join, dispatch_uid="webinars")
        # ... and pressing Join on it is recorded for the attendance report.
        launch.join_link_followed.connect(
            attendance.personal_link_followed, dispatch_uid="webinars"
        )
        # A webinar's meeting that gets its ID on the server has join details to send.
        post_save.connect(webinars.meeting_saved, sender=Meeting, dispatch_uid="webinars")
