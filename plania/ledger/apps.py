from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "plania.ledger"
    label = "ledger"
    verbose_name = "Ledger"
