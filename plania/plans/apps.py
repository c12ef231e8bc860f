from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "plania.plans"
    label = "plans"
    verbose_name = "Plans"
