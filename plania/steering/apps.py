from django.apps import AppConfig


class SteeringConfig(AppConfig):
    name = "plania.steering"
    label = "steering"
    verbose_name = "Pilotage"
