from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from plania.api.urls import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
# Under /api/, Django's own 400, 403, 404 and 500 answers in the API's error format.
handler400 = "plania.api.errors.bad_request"
handler403 = "plania.api.errors.permission_denied"
handler404 = "plania.api.errors.page_not_found"
handler500 = "plania.api.errors.server_error"

# French at /, English at /en/ (DESIGN.md section 7: French first, English available).
urlpatterns += i18n_patterns(path("", include("plania.web.urls")), prefix_default_language=False)
