from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from offices.models import Absence, Closure, Office, OpeningHours, Room, StaffAvailability


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("name", "is_main", "city", "phone", "email", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "city")
    prepopulated_fields = {"code": ("name",)}
    inlines = (OpeningHoursInline, RoomInline)

    def has_delete_permission(self, request: HttpRequest, obj: Office | None = None) -> bool:
        # Offices are referenced by files and staff: deactivate instead of deleting.
        return False


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ("start_on", "end_on", "office_label", "reason")
    list_filter = ("office",)
    date_hierarchy = "start_on"

    @admin.display(description=_("bureau"))
    def office_label(self, obj: Closure) -> str:
        return str(obj.office) if obj.office else str(_("tous les bureaux"))


@admin.register(StaffAvailability)
class StaffAvailabilityAdmin(admin.ModelAdmin):
    list_display = ("staff", "office", "weekday", "starts", "ends")
    list_filter = ("office", "weekday")
    list_select_related = ("staff", "office")
    search_fields = ("staff__last_name", "staff__first_name")


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ("staff", "during", "reason")
    list_select_related = ("staff",)
    search_fields = ("staff__last_name", "staff__first_name")
