from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "plania.accounts"
    label = "accounts"
    verbose_name = "Accounts"
