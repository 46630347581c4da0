"""Writes of the rights app: legal holds (audited). Anonymisation is in ``anonymise``."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from beneficiaries.models import Beneficiary
from cainamur import audit
from cainamur.models import User
from rights.models import LegalHold


def legal_hold_set(*, beneficiary: Beneficiary, reason: str, by: User) -> LegalHold:
    with transaction.atomic():
        hold, _created = LegalHold.objects.update_or_create(
            beneficiary=beneficiary, defaults={"reason": reason.strip(), "set_by": by}
        )
        audit.record(
            action="rights.legal_hold_set",
            beneficiary=beneficiary,
            obj=hold,
            by=by,
            summary=_("Conservation pour raison légale posée"),
            reason=reason,
        )
    return hold


def legal_hold_lift(*, hold: LegalHold, by: User) -> None:
    with transaction.atomic():
        beneficiary = hold.beneficiary
        hold.delete()
        audit.record(
            action="rights.legal_hold_lift",
            beneficiary=beneficiary,
            by=by,
            summary=_("Conservation pour raison légale levée"),
        )
