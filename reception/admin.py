from django.contrib import admin

from reception.models import Permanence


@admin.register(Permanence)
class PermanenceAdmin(admin.ModelAdmin):
    list_display = ("theme", "office", "weekday", "starts", "ends", "is_active")
    list_filter = ("office", "is_active")
