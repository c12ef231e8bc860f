from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "plania.core"
    label = "core"
    verbose_name = "Shared helpers"
