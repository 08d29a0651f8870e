from django.apps import AppConfig


class WebinarsConfig(AppConfig):
    name = "webinars"

    def ready(self) -> None:
        from meetings import launch
        from webinars import selectors, tasks  # noqa: F401  (registers them: services queue by name)

        # A registrant's personal join link works while the registration holds a seat.
        launch.join_link_used.connect(selectors.registration_may_join, dispatch_uid="webinars")
