from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Office(models.Model):
    """A reception office of the centre (the main office in Namur or a decentralised one)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("nom"), max_length=120, unique=True)
    is_main = models.BooleanField(_("bureau principal"), default=False)
    street = models.CharField(_("rue et numéro"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=4)
    city = models.CharField(_("localité"), max_length=120)
    phone = models.CharField(
        _("téléphone"), max_length=30, blank=True, help_text=_("Par ex. 081 71 35 18.")
    )
    email = models.EmailField(_("adresse e-mail"), blank=True)
    is_active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("bureau")
        verbose_name_plural = _("bureaux")
        ordering = ("-is_main", "name")
        constraints = [
            models.UniqueConstraint(
                fields=["is_main"],
                condition=models.Q(is_main=True),
                name="office_single_main_office",
                violation_error_message=_("Il ne peut y avoir qu'un seul bureau principal."),
            ),
        ]

    def __str__(self) -> str:
        return self.name
