from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    name = "home"
    verbose_name = _("Accueil et dossier")

    def ready(self) -> None:
        # Lower floors re-render the file page with a refused form through this hook.
        from cainamur.lib import file_page
        from home.views import render_file_page

        file_page.register(render_file_page)
