"""The private storage: where attachments live, never under STATIC_ROOT nor MEDIA_URL.

Settings "Uploads" declare it as `STORAGES["private"]` (a folder under MEDIA_ROOT by
default); every read and write goes through Django's storage API (`open`, `save`,
`delete`), so that an S3 backend from django-storages can replace it by configuration.
"""

from django.core.files.storage import Storage, storages

ALIAS = "private"


def private_storage() -> Storage:
    return storages[ALIAS]
