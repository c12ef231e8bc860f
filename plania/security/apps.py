from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "plania.security"
    label = "security"
    verbose_name = "Security"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from plania.security.twofactor import on_user_logged_in

        user_logged_in.connect(on_user_logged_in, dispatch_uid="plania.security.second_factor")

        from plania.security import revocation

        revocation.connect()
