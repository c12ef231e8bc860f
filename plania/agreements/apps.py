from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "plania.agreements"
    label = "agreements"
    verbose_name = "Agreements"
