from django.apps import AppConfig


class AwardsConfig(AppConfig):
    name = "plania.awards"
    label = "awards"
    verbose_name = "Awards"
