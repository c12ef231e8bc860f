"""`plania db_stop`: stop the embedded PostgreSQL (`make db-stop`); nothing with DATABASE_URL."""

from django.conf import settings
from django.core.management.base import BaseCommand

from plania.core.database import stop


class Command(BaseCommand):
    help = "Arrête la base PostgreSQL embarquée / stop the embedded PostgreSQL server."

    def handle(self, *args: object, **options: object) -> None:
        server = settings.DATABASE_SERVER
        if not server.embedded:
            self.stdout.write("DATABASE_URL is set: PlanIA does not run that server.")
            return
        from django.db import connections

        connections.close_all()
        stopped = stop(server.data_dir)
        self.stdout.write("stopped" if stopped else "the embedded server was not running")
