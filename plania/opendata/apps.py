from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "plania.opendata"
    label = "opendata"
    verbose_name = "Open data"
