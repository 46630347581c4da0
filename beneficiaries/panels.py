"""The file page's identity, languages, exemptions and consents (composed by ``home``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from beneficiaries.forms import (
    ConsentForm,
    ConsentWithdrawForm,
    ExemptionEndForm,
    ExemptionForm,
    PermitRenewalForm,
)
from beneficiaries.languages import LANGUAGE_NAMES
from beneficiaries.models import Beneficiary, ConsentPurpose, Exemption
from cainamur.lib.phones import is_mobile
from cainamur.models import User
from cainamur.permissions import EDIT_ROLES, may_see_health


@dataclass(frozen=True)
class ExemptionRow:
    """An exemption on the file page: whether its last day has passed, and (for those who
    may edit) the form that records its end."""

    exemption: Exemption
    ended: bool
    end_form: ExemptionEndForm | None


def exemption_rows(beneficiary: Beneficiary, user: User, *, may_edit: bool) -> list[ExemptionRow]:
    today = timezone.localdate()
    return [
        ExemptionRow(
            exemption=exemption,
            ended=exemption.ended_on(today),
            end_form=(
                ExemptionEndForm(instance=exemption, auto_id=f"exemption_end_{exemption.pk}_%s")
                if may_edit
                else None
            ),
        )
        for exemption in Exemption.objects.visible_to(user)
        .filter(beneficiary=beneficiary)
        .select_related("recorded_by")
    ]


def panel(beneficiary: Beneficiary, user: User) -> dict[str, Any]:
    health = may_see_health(user)
    may_edit = user.has_role(*EDIT_ROLES)
    context: dict[str, Any] = {
        "may_see_health": health,
        "may_see_national_number": user.has_perm("beneficiaries.view_national_number"),
        "may_edit": may_edit,
        # Without the health permission, only whether there is one (every exemption alike).
        "exemptions": exemption_rows(beneficiary, user, may_edit=may_edit) if health else [],
        "exemption_count": (
            0 if health else Exemption.objects.filter(beneficiary=beneficiary).count()
        ),
        "languages": [LANGUAGE_NAMES.get(code, code) for code in beneficiary.languages],
        "interpreter_language": LANGUAGE_NAMES.get(
            beneficiary.interpreter_language, beneficiary.interpreter_language
        ),
    }
    context["permit_renewals"] = list(beneficiary.permit_renewals.all())
    # Every consent in one query: those that hold (each with its withdrawal form, for the
    # roles that may withdraw it), then those withdrawn.
    consents = list(beneficiary.consents.select_related("recorded_by", "withdrawn_by"))
    context["active_consents"] = [
        (consent, ConsentWithdrawForm(consent=consent) if may_edit else None)
        for consent in consents
        if consent.is_active
    ]
    context["withdrawn_consents"] = [consent for consent in consents if not consent.is_active]
    context["sms_consent"] = any(
        consent.purpose == ConsentPurpose.SMS_REMINDERS
        for consent, _form in context["active_consents"]
    )
    context["sms_mobile"] = bool(beneficiary.phone) and is_mobile(beneficiary.phone)
    if may_edit:
        context["consent_form"] = ConsentForm(beneficiary=beneficiary)
        context["renewal_form"] = PermitRenewalForm(beneficiary=beneficiary, auto_id="renewal_%s")
        context["exemption_form"] = ExemptionForm(
            beneficiary=beneficiary, may_see_health=health, auto_id="exemption_%s"
        )
    return context
