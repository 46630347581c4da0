from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from rights.models import Anonymisation, LegalHold, RetentionRule, RetentionRun


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    list_display = ("record_type", "months", "updated_at")

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # a period is changed, never removed (the default would return)


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    list_display = ("beneficiary", "reason", "set_by", "set_at")
    raw_id_fields = ("beneficiary",)
    readonly_fields = ("set_by", "set_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # set from the file page, audited

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # lifted from the file page, recorded in its history


@admin.register(Anonymisation)
class AnonymisationAdmin(admin.ModelAdmin):
    list_display = ("beneficiary", "cause", "at", "by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    list_display = ("at", "dry_run", "counts")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
