from django.apps import AppConfig


class WebinarsConfig(AppConfig):
    name = "webinars"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from meetings import launch
        from meetings.models import Meeting
        from portal.accounts.models import Customer, Host
        from webinars import exports, selectors, tasks  # noqa: F401  (registers them)
        from webinars.models import Question, Webinar
        from webinars.services import attendance, webinars

        # A registrant's personal join link works while the registration holds a seat.
        launch.join_link_used.connect(selectors.registration_may_join, dispatch_uid="webinars")
        # ... and pressing Join on it is recorded for the attendance report.
        launch.join_link_followed.connect(
            attendance.personal_link_followed, dispatch_uid="webinars"
        )
        # A webinar's meeting that gets its ID on the server has join details to send.
        post_save.connect(webinars.meeting_saved, sender=Meeting, dispatch_uid="webinars")
        # The cached public webinars show these (selectors.public_webinar): any change,
        # through a service, the admin or the API, is a new version.
        for model in (Webinar, Question, Customer, Host, get_user_model()):
            for signal in (post_save, post_delete):
                signal.connect(
                    selectors.public_webinars_changed,
                    sender=model,
                    dispatch_uid=f"webinars-public-{model._meta.label}",
                )
