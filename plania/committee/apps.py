from django.apps import AppConfig


class CommitteeConfig(AppConfig):
    name = "plania.committee"
    label = "committee"
    verbose_name = "Committee"
