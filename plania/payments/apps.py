from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "plania.payments"
    label = "payments"
    verbose_name = "Payments"
