from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "plania.ops"
    label = "ops"
    verbose_name = "Operations"
