from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from cainamur.models import User


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = (
        "username",
        "last_name",
        "first_name",
        "email",
        "role_list",
        "office_list",
        "is_active",
    )
    list_filter = ("groups", "offices", "is_active", "is_staff")
    search_fields = ("username", "first_name", "last_name", "email")
    filter_horizontal = ("groups", "offices", "user_permissions")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name", "email", "function")}),
        (
            _("Rôles et bureaux"),
            {
                "fields": ("groups", "offices", "is_active", "is_staff"),
                "description": _(
                    "Les rôles sont les groupes Accueil, Accompagnement, Coordination et "
                    "Administration. Le statut « équipe » est nécessaire pour entrer dans "
                    "l'administration, réservée au rôle Administration."
                ),
            },
        ),
        (
            _("Droits avancés"),
            {"classes": ("collapse",), "fields": ("is_superuser", "user_permissions")},
        ),
        (_("Dates importantes"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "groups",
                    "offices",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).prefetch_related("groups", "offices")

    @admin.display(description=_("rôles"))
    def role_list(self, obj: User) -> str:
        return ", ".join(sorted(group.name for group in obj.groups.all()))

    @admin.display(description=_("bureaux"))
    def office_list(self, obj: User) -> str:
        return ", ".join(office.name for office in obj.offices.all())
