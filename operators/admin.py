from django.contrib import admin
from django.db import models

from operators.models import Offer, Operator


class OfferInline(admin.TabularInline):
    model = Offer
    fields = ("title", "axis", "level", "start_on", "end_on", "capacity", "taken", "is_active")
    extra = 0
    show_change_link = True


@admin.register(Operator)
class OperatorAdmin(admin.ModelAdmin):
    # An address typed without a scheme is a secure one (and Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "kind", "contact_name", "phone", "email", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "contact_name")
    filter_horizontal = ("communes",)
    inlines = (OfferInline,)


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ("title", "operator", "axis", "start_on", "end_on", "capacity", "taken")
    list_filter = ("axis", "is_active", "operator")
    search_fields = ("title", "operator__name")
    list_select_related = ("operator",)
    filter_horizontal = ("communes",)
