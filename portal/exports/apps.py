from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "portal.exports"
    label = "exports"
    verbose_name = "Exports"

    def ready(self) -> None:
        # Register the tasks that services queue by name.
        from portal.exports import tasks  # noqa: F401
