"""`plania dbinfo`: which PostgreSQL this process uses, its version and its data."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = (
        "Dit quelle base PostgreSQL PlanIA utilise / which PostgreSQL server PlanIA uses "
        "(embedded or DATABASE_URL), its version and database."
    )

    def handle(self, *args: object, **options: object) -> None:
        server = settings.DATABASE_SERVER
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT version(), current_database(), pg_database_size(current_database())"
            )
            version, database, size = cursor.fetchone()
        self.stdout.write(f"server: {server.describe()}")
        self.stdout.write(f"version: {version}")
        self.stdout.write(f"database: {database} ({size / 1024 / 1024:.1f} MB)")
