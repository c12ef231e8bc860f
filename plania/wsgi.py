import os

from django.core.wsgi import get_wsgi_application

from plania.ops.acceptance import clock_body

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plania.settings")
# The instant each request's body is read to its end, which deadlines are judged on
# (plania.ops.acceptance, plania.ops.middleware).
application = clock_body(get_wsgi_application())

# Parse the scheme files and import the views now, not on the first requests (a rush).
from plania.ops.warmup import warm  # noqa: E402

warm()
