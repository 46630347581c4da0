from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    name = "newcomers"
    verbose_name = _("Pages des personnes (rendez-vous en ligne, page personnelle)")
