from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = "Customer accounts"

    def ready(self) -> None:
        from portal import checks  # noqa: F401  (registers the deploy checks)
        from portal.accounts import (  # noqa: F401  (connect their signal receivers)
            lockout,
            tasks,  # noqa: F401  (registers them: services queue by name)
            tokens,
        )
