from django.contrib import admin

from appointments.models import Office


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("name", "is_main", "city", "phone", "email", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "city")
    prepopulated_fields = {"code": ("name",)}

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Offices are referenced by files and staff: deactivate instead of deleting.
        return False
