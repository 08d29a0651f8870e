from django.apps import AppConfig, apps as global_apps
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = "Customer accounts"

    def ready(self) -> None:
        from portal import checks  # noqa: F401  (registers the deploy checks)

        # Connect the signal receivers; register the tasks that services queue by name.
        from portal.accounts import lockout, tasks, tokens  # noqa: F401

        post_migrate.connect(_sync_environment_server, sender=self)


def _sync_environment_server(sender, using, apps=global_apps, **kwargs) -> None:
    """Every migrate (and flush) brings the environment's server row in step with its
    settings; not a migrate back to before that row existed."""
    from portal.accounts import services

    try:
        model = apps.get_model("accounts", "MeetingServer")
    except LookupError:
        return
    if using == "default" and "from_environment" in {f.name for f in model._meta.get_fields()}:
        services.server_sync_environment()
