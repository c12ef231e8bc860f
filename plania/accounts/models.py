from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person using PlanIA. Roles are Django groups (see plania.accounts.roles)."""

    email = models.EmailField(_("adresse e-mail"), unique=True)
