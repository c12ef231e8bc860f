from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "plania.companies"
    label = "companies"
    verbose_name = "Companies"
