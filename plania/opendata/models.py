"""What the Region has published: one row per award put in the SCDL file it uploaded.

The public endpoints (/opendata/subventions.csv, .json) always serve the current file;
the legal duty (loi 2000-321 art. 10, décret 2017-779) is to make it available within
three months of the agreement's signature on the Region's portal or data.gouv.fr, which
a person does. This row records that it was done, so that the "to publish" list only
shows what is still owed. Append-only.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PublishedAward(models.Model):
    award = models.OneToOneField(
        "awards.Award", on_delete=models.RESTRICT, related_name="publication"
    )
    published_on = models.DateField(_("publiée le"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.RESTRICT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("publication en données ouvertes")
        verbose_name_plural = _("publications en données ouvertes")

    def __str__(self) -> str:
        return f"{self.award_id} {self.published_on}"
