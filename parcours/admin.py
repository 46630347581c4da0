from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from parcours.models import ObligationAssessment, RulesConfig


@admin.register(RulesConfig)
class RulesConfigAdmin(admin.ModelAdmin):
    list_display = ("__str__", "regime_2024_start", "standstill_list", "updated_at")

    @admin.display(description=_("nationalités standstill"))
    def standstill_list(self, obj: RulesConfig) -> str:
        return ", ".join(obj.standstill_nationalities) or "—"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # a single row, created by a migration

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ObligationAssessment)
class ObligationAssessmentAdmin(admin.ModelAdmin):
    """History: read-only."""

    list_display = (
        "beneficiary",
        "status",
        "regime",
        "attestation_deadline",
        "assessed_at",
        "assessed_by",
    )
    list_filter = ("status", "regime")
    search_fields = ("beneficiary__file_number",)
    list_select_related = ("beneficiary", "assessed_by")
    date_hierarchy = "assessed_at"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
