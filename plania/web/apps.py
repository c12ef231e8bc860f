from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "plania.web"
    label = "web"
    verbose_name = "Web"
