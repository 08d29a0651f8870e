from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = "Customer accounts"

    def ready(self) -> None:
        from portal import checks  # noqa: F401  (registers the deploy checks)

        # Connect the signal receivers; register the tasks that services queue by name.
        from portal.accounts import lockout, tasks, tokens  # noqa: F401
