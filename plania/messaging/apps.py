from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "plania.messaging"
    label = "messaging"
    verbose_name = "Messaging"
