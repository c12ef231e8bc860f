from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "plania.documents"
    label = "documents"
    verbose_name = "Documents"

    def ready(self) -> None:
        # Registers the check that private files are never under the web root.
        from plania.documents import checks  # noqa: F401
