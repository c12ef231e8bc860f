from django.apps import AppConfig


class SchemesConfig(AppConfig):
    name = "plania.schemes"
    label = "schemes"
    verbose_name = "Schemes"
