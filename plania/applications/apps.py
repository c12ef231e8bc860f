from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "plania.applications"
    label = "applications"
    verbose_name = "Applications"
