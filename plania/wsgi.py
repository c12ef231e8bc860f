import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plania.settings")
application = get_wsgi_application()

# Parse the scheme files and import the views now, not on the first requests (a rush).
from plania.ops.warmup import warm  # noqa: E402

warm()
