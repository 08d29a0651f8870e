from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"

    def ready(self) -> None:
        # The feeds drop their kept versions when meetings or customers are
        # saved; connect that in every process (web, worker), not just on use.
        import meetings.exports  # noqa: F401  (registers the "meetings" exporter)
        import meetings.feeds  # noqa: F401
        import meetings.tasks  # noqa: F401  (registers them: services queue by name)
