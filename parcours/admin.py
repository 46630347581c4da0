from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cainamur.admin_site import ReadOnlyAdminMixin
from parcours.models import (
    Axis,
    Convention,
    Evaluation,
    Extension,
    HoursEntry,
    ObligationAssessment,
    Parcours,
    RulesConfig,
    Suspension,
)


@admin.register(RulesConfig)
class RulesConfigAdmin(admin.ModelAdmin):
    list_display = ("__str__", "regime_2024_start", "standstill_list", "updated_at")

    @admin.display(description=_("nationalités standstill"))
    def standstill_list(self, obj: RulesConfig) -> str:
        return ", ".join(obj.standstill_nationalities) or "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a single row, created by a migration

    def has_delete_permission(self, request: HttpRequest, obj: RulesConfig | None = None) -> bool:
        return False


@admin.register(ObligationAssessment)
class ObligationAssessmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0


class AxisInline(ReadOnlyInline):
    model = Axis
    fields = ("kind", "required_hours", "status", "operator", "started_on", "completed_on")


class ConventionInline(ReadOnlyInline):
    model = Convention
    fields = (
        "version",
        "signed_on",
        "signed_by",
        "citizenship_hours",
        "french_required",
        "french_hours",
        "orientation_required",
        "orientation_hours",
        "pdf",
    )


@admin.register(Parcours)
class ParcoursAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the path changes through the file page, where every step is checked
    and logged."""

    list_display = ("beneficiary", "kind", "status", "opened_on", "attestation_deadline")
    list_filter = ("kind", "status", "regime", "beneficiary__office")
    search_fields = ("beneficiary__file_number",)
    list_select_related = ("beneficiary",)
    date_hierarchy = "opened_on"
    inlines = (ConventionInline, AxisInline)


@admin.register(HoursEntry)
class HoursEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The ledger is append-only (a database trigger refuses edits and deletions)."""

    list_display = ("axis", "on", "hours", "source", "recorded_by", "recorded_at")
    list_filter = ("source", "axis__kind")
    search_fields = ("axis__parcours__beneficiary__file_number",)
    list_select_related = ("axis__parcours__beneficiary", "recorded_by")


@admin.register(Suspension)
class SuspensionAdmin(admin.ModelAdmin):
    """Global suspensions (no path) are entered here; they move every running deadline. A
    person's own pause is recorded from their file, and its reason (possibly health) is
    not shown here."""

    list_display = ("__str__", "reason")
    exclude = ("parcours",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Suspension]:
        return super().get_queryset(request).filter(parcours__isnull=True)


@admin.register(Extension)
class ExtensionAdmin(admin.ModelAdmin):
    list_display = ("parcours", "deadline", "decided_on", "new_end_on", "recorded_by")
    list_filter = ("deadline",)
    search_fields = ("parcours__beneficiary__file_number",)
    list_select_related = ("parcours__beneficiary", "recorded_by")
    readonly_fields = ("recorded_by", "recorded_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # recorded from the file page


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ("parcours", "due_on", "held_on", "attended")
    list_filter = ("attended",)
    search_fields = ("parcours__beneficiary__file_number",)
    list_select_related = ("parcours__beneficiary",)
