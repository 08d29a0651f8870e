from django.apps import AppConfig


class WebinarsConfig(AppConfig):
    name = "webinars"

    def ready(self) -> None:
        from meetings import launch
        from webinars import selectors

        # A registrant's personal join link works while the registration holds a seat.
        launch.JOIN_HOLDERS["registration-"] = selectors.registration_may_join
