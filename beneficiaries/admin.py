from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Commune, Cpas


class CpasInline(admin.StackedInline):
    model = Cpas
    can_delete = False
    fields = ("name", "email", "street", "phone")


class MissingEmailFilter(admin.SimpleListFilter):
    title = _("adresse e-mail")
    parameter_name = "email"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return (("missing", _("manquante")), ("present", _("renseignée")))

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        field = "population_email" if queryset.model is Commune else "email"
        if self.value() == "missing":
            return queryset.filter(**{field: ""})
        if self.value() == "present":
            return queryset.exclude(**{field: ""})
        return queryset


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ("name", "arrondissement", "postal_code_list", "office", "population_email")
    list_editable = ("population_email",)
    list_filter = ("arrondissement", "office", MissingEmailFilter)
    search_fields = ("name", "postal_codes")
    readonly_fields = ("name", "arrondissement", "postal_codes")
    list_select_related = ("office",)
    inlines = (CpasInline,)

    @admin.display(description=_("codes postaux"))
    def postal_code_list(self, obj: Commune) -> str:
        return ", ".join(obj.postal_codes)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # the 38 communes are reference data, loaded by a migration

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Cpas)
class CpasAdmin(admin.ModelAdmin):
    list_display = ("name", "commune", "email", "phone")
    list_editable = ("email",)
    list_filter = (MissingEmailFilter,)
    search_fields = ("name", "commune__name")
    readonly_fields = ("commune",)
    list_select_related = ("commune",)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
