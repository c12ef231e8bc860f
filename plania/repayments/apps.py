from django.apps import AppConfig


class RepaymentsConfig(AppConfig):
    name = "plania.repayments"
    label = "repayments"
    verbose_name = "Repayments"
