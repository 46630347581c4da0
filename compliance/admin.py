from django.contrib import admin

from compliance.models import NonCompliance


@admin.register(NonCompliance)
class NonComplianceAdmin(admin.ModelAdmin):
    """Read-only: the coordinators work on these files in the application (« Manquements »)."""

    list_display = ("beneficiary", "kind", "breach_on", "sent_on", "outcome")
    list_filter = ("kind", "outcome")
    search_fields = ("beneficiary__file_number",)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
