from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Beneficiary, Commune, Cpas, Exemption
from cainamur.templatetags.cai import national_number

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class CpasInline(admin.StackedInline):
    model = Cpas
    can_delete = False
    fields = ("name", "email", "street", "phone")


class MissingEmailFilter(admin.SimpleListFilter):
    title = _("adresse e-mail")
    parameter_name = "email"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> tuple[tuple[str, StrOrPromise], ...]:
        return (("missing", _("manquante")), ("present", _("renseignée")))

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Commune] | QuerySet[Cpas]
    ) -> QuerySet[Commune] | QuerySet[Cpas]:
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the 38 communes are reference data, loaded by a migration

    def has_delete_permission(self, request: HttpRequest, obj: Commune | None = None) -> bool:
        return False


@admin.register(Cpas)
class CpasAdmin(admin.ModelAdmin):
    list_display = ("name", "commune", "email", "phone")
    list_editable = ("email",)
    list_filter = (MissingEmailFilter,)
    search_fields = ("name", "commune__name")
    readonly_fields = ("commune",)
    list_select_related = ("commune",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Cpas | None = None) -> bool:
        return False


class ExemptionInline(admin.TabularInline):
    model = Exemption
    extra = 0
    fields = ("code", "proven_on", "valid_until", "proof", "notes", "recorded_by", "recorded_at")
    readonly_fields = ("recorded_by", "recorded_at")


@admin.register(Beneficiary)
class BeneficiaryAdmin(admin.ModelAdmin):
    """Plain Django admin search (icontains), kept as the benchmark's reference point."""

    list_display = (
        "file_number",
        "last_name",
        "first_names",
        "birth_date",
        "nationality_name",
        "office",
        "caseworker",
        "obligation_status",
    )
    list_filter = ("office", "obligation_status", "temporary_protection", "cpas_support")
    # Not the national number: the admin's search is a GET, its query string would carry
    # it into logs and browser history (the app searches it through a POST).
    search_fields = ("last_name", "first_names", "birth_name", "file_number")
    list_select_related = ("office", "caseworker")
    readonly_fields = (
        "file_number",
        "masked_national_number",
        "obligation_status",
        "created_at",
        "updated_at",
    )
    autocomplete_fields = ("commune", "cpas", "caseworker")
    inlines = (ExemptionInline,)
    show_full_result_count = False

    def has_delete_permission(self, request: HttpRequest, obj: Beneficiary | None = None) -> bool:
        return False  # files are kept (nationality applications come years later)

    def get_exclude(self, request: HttpRequest, obj: Beneficiary | None = None) -> tuple[str, ...]:
        # The whole register number only for roles that need it (Belgian law of 1983).
        if request.user.has_perm("beneficiaries.view_national_number"):
            return ()
        return ("national_number",)

    @admin.display(description=_("nationalité"), ordering="nationality")
    def nationality_name(self, obj: Beneficiary) -> str:
        # The country's name, looked up alone: the admin's own column would build the
        # whole translated country list for each row (~3 ms a row).
        return str(obj.nationality.name) if obj.nationality else "—"

    @admin.display(description=_("numéro de registre national ou BIS"))
    def masked_national_number(self, obj: Beneficiary) -> str:

        return national_number(obj.national_number, False)
