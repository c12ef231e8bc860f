from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The API is an app for its management command (`plania access_policies`), which
    reads the API's operations and so belongs above them, not in plania.security."""

    name = "plania.api"
    label = "api"
    verbose_name = "API"
