from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from attestations.models import Attestation
from cainamur.admin_site import ReadOnlyAdminMixin
from outbox.models import Dispatch


class DispatchInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Dispatch
    fields = ("recipient_kind", "status", "to_address", "attempts", "sent_at", "last_error")
    readonly_fields = fields
    extra = 0


@admin.register(Attestation)
class AttestationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The register, read-only: attestations change only through the application (issue,
    re-issue, revoke) and are never deleted."""

    list_display = ("number", "status", "issued_on", "beneficiary", "kind", "pdf_status")
    list_filter = ("status", "kind", "year", "pdf_status")
    search_fields = ("number", "beneficiary__file_number")
    list_select_related = ("beneficiary",)
    date_hierarchy = "issued_on"
    # Reasons typed by a person may hold health details: not for the admin's readers.
    exclude = ("snapshot", "verification_code", "reissue_reason", "revocation_reason")
    inlines = (DispatchInline,)


@admin.register(Dispatch)
class DispatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("recipient", "attestation", "status", "attempts", "to_address", "sent_at")
    list_filter = ("status", "recipient_kind", "purpose")
    search_fields = ("attestation__number", "to_address")
    list_select_related = ("attestation", "commune", "cpas")

    @admin.display(description=_("destinataire"))
    def recipient(self, obj: Dispatch) -> str:
        return obj.recipient_name
