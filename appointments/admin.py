from django.contrib import admin

from appointments.models import AppointmentType


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "duration_minutes", "is_group", "capacity", "needs_room", "is_active")
    list_filter = ("is_group", "is_active")
