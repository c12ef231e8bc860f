from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data: `plania demo_setup`, `plania demo_awards`, `plania demo_data`.

    Above the domain rooms, which know nothing of it: it writes through their services,
    and its bulk path (demo data at scale) through the ledger's batch writer and the rules
    core's amounts, so its rows are what the services would have written."""

    name = "plania.demo"
    label = "demo"
    verbose_name = "Demo data"
