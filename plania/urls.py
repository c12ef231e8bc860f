from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from plania.api.urls import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
# French at /, English at /en/ (DESIGN.md section 7: French first, English available).
urlpatterns += i18n_patterns(path("", include("plania.web.urls")), prefix_default_language=False)
