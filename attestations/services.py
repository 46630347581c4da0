"""Issuing, re-issuing and revoking attestations (the only writes on them)."""

from __future__ import annotations

import secrets
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attestations.copies import copies_cancel, copies_owed, notices_owed
from attestations.documents import attestation_snapshot
from attestations.models import Attestation, AttestationCounter
from cainamur import audit
from cainamur.celery import queue_on_commit
from cainamur.lib import plausible
from cainamur.lib.text import max_length
from cainamur.models import Centre, User
from cainamur.pdf import pdf_requeue_pending, pdf_retry
from parcours.models import Axis, Parcours
from parcours.services import parcours_move

# No 0/O, 1/I/L, U: codes are read aloud over the phone and typed by hand.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


class AttestationError(Exception):
    """A refused step, with a message for the user (French)."""


def verification_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _i in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_code(value: str) -> str:
    """What a person types (« 7kq2 m9xd ») as stored (« 7KQ2-M9XD »)."""
    raw = "".join(ch for ch in value.upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else raw


def _next_number(year: int) -> tuple[int, str]:
    AttestationCounter.objects.get_or_create(year=year)
    counter = AttestationCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, f"CAI-ATT-{year}-{counter.last:05d}"


def missing_for_attestation(parcours: Parcours) -> list[str]:
    """Why this path cannot have its attestation yet (empty when it can)."""
    if parcours.status == Parcours.Status.ATTESTATION_ISSUED:
        return [_("L'attestation a déjà été délivrée.")]
    missing: list[str] = []
    if parcours.status != Parcours.Status.COMPLETED:
        missing.append(
            _("Le parcours est « %(status)s » : il doit être terminé.")
            % {"status": parcours.get_status_display()}
        )
    if not parcours.conventions.exists():
        missing.append(_("Aucune convention n'a été signée."))
    for axis in parcours.axes.exclude(status=Axis.Status.NOT_REQUIRED).order_by("id"):
        if axis.status != Axis.Status.COMPLETED:
            missing.append(_("Axe « %(axis)s » non terminé.") % {"axis": axis.get_kind_display()})
    return missing


def _create(
    parcours: Parcours,
    *,
    by: User,
    on: date,
    replaces: Attestation | None = None,
    reason: str = "",
) -> Attestation:
    sequence, number = _next_number(on.year)
    code = verification_code()
    attestation = Attestation.objects.create(
        number=number,
        year=on.year,
        sequence=sequence,
        verification_code=code,
        parcours=parcours,
        beneficiary=parcours.beneficiary,
        kind=parcours.kind,
        issued_on=on,
        issued_by=by,
        snapshot=attestation_snapshot(
            parcours,
            number=number,
            code=code,
            issued_on=on,
            centre=Centre.current(),
            issued_by=by,
            replaces=replaces,
            reissue_reason=reason,
        ),
        replaces=replaces,
        reissue_reason=reason,
    )
    copies_owed(attestation)
    _render_then_send(attestation.pk)  # the copies are queued once the PDF is stored
    return attestation


RENDER_TASK = "attestations.tasks.render_attestation_pdf"


def _render_then_send(attestation_id: int) -> None:
    queue_on_commit(RENDER_TASK, attestation_id)


def attestation_issue(*, parcours: Parcours, by: User, on: date | None = None) -> Attestation:
    """Issue the attestation of a completed path; for an obliged person, its copies to the
    commune (and the CPAS) are created in the same transaction and sent after commit."""
    on = on or timezone.localdate()
    with transaction.atomic():
        parcours = (
            Parcours.objects.select_for_update(of=("self",))
            .select_related("beneficiary__commune__cpas", "beneficiary__cpas", "welcome")
            .get(pk=parcours.pk)
        )
        missing = missing_for_attestation(parcours)
        if missing:
            raise AttestationError(
                _("L'attestation ne peut pas encore être délivrée : %(why)s")
                % {"why": " ".join(missing)}
            )
        attestation = _create(parcours, by=by, on=on)
        parcours_move(parcours=parcours, to=Parcours.Status.ATTESTATION_ISSUED, by=by)
        audit.record(
            action="attestations.issue",
            beneficiary=parcours.beneficiary,
            obj=parcours,
            by=by,
            summary=_("Attestation %(number)s délivrée") % {"number": attestation.number},
        )
    return attestation


def _reason_fits(reason: str, field: str) -> None:
    if problem := plausible.too_long(reason.strip(), max_length=max_length(Attestation, field)):
        raise AttestationError(problem)


def attestation_reissue(*, attestation: Attestation, by: User, reason: str) -> Attestation:
    """Correct an attestation: a new one (new number and code, today's file data) that
    supersedes it. Its copies go out again."""
    if not reason.strip():
        raise AttestationError(_("Indiquez le motif de la réédition."))
    _reason_fits(reason, "reissue_reason")
    with transaction.atomic():
        old = Attestation.objects.select_for_update().get(pk=attestation.pk)
        if old.status != Attestation.Status.VALID:
            raise AttestationError(
                _("Seule une attestation valide peut être rééditée (celle-ci est %(status)s).")
                % {"status": old.get_status_display()}
            )
        parcours = (
            Parcours.objects.select_for_update(of=("self",))
            .select_related("beneficiary__commune__cpas", "beneficiary__cpas", "welcome")
            .get(pk=old.parcours_id)
        )
        old.status = Attestation.Status.SUPERSEDED
        old.save(update_fields=["status"])
        copies_cancel(old.pk)  # its copies not yet sent are replaced by the new ones
        new = _create(parcours, by=by, on=timezone.localdate(), replaces=old, reason=reason)
        audit.record(
            action="attestations.reissue",
            beneficiary=parcours.beneficiary,
            obj=parcours,
            by=by,
            summary=_("Attestation %(old)s remplacée par %(new)s")
            % {"old": old.number, "new": new.number},
            reason=reason,
        )
    return new


def attestation_revoke(*, attestation: Attestation, by: User, reason: str) -> Attestation:
    """Withdraw an attestation (it stays in the register as revoked). The path goes back to
    « terminé » so that a new attestation can be issued if appropriate."""
    if not reason.strip():
        raise AttestationError(_("Indiquez le motif de la révocation."))
    _reason_fits(reason, "revocation_reason")
    with transaction.atomic():
        attestation = Attestation.objects.select_for_update().get(pk=attestation.pk)
        if attestation.status != Attestation.Status.VALID:
            raise AttestationError(
                _("Cette attestation est déjà %(status)s.")
                % {"status": attestation.get_status_display()}
            )
        attestation.status = Attestation.Status.REVOKED
        attestation.revoked_at = timezone.now()
        attestation.revoked_by = by
        attestation.revocation_reason = reason.strip()
        attestation.save(update_fields=["status", "revoked_at", "revoked_by", "revocation_reason"])
        notices_owed(attestation)  # the commune and the CPAS that received it are told
        parcours = Parcours.objects.select_for_update().get(pk=attestation.parcours_id)
        other_open = (
            Parcours.objects.filter(beneficiary_id=parcours.beneficiary_id, closed_on__isnull=True)
            .exclude(pk=parcours.pk)
            .exists()
        )
        if parcours.status == Parcours.Status.ATTESTATION_ISSUED and not other_open:
            parcours_move(
                parcours=parcours, to=Parcours.Status.COMPLETED, by=by, why=reason.strip()
            )
        audit.record(
            action="attestations.revoke",
            beneficiary=attestation.beneficiary,
            obj=parcours,
            by=by,
            summary=_("Attestation %(number)s révoquée") % {"number": attestation.number},
            reason=reason,
        )
    return attestation


def attestation_pdf_retry(*, attestation: Attestation, by: User) -> None:
    """Try again to render a PDF whose generation failed (its copies follow)."""
    with transaction.atomic():
        if not pdf_retry(Attestation, attestation.pk):
            raise AttestationError(_("Le PDF de cette attestation n'est pas en échec."))
        audit.record(
            by=by,
            action="attestations.pdf_retry",
            summary=_("Attestation %(number)s : nouvel essai du PDF")
            % {"number": attestation.number},
            beneficiary=attestation.beneficiary,
            obj=attestation,
        )
        _render_then_send(attestation.pk)


def attestation_pdfs_requeue() -> int:
    """PDFs still « en préparation » minutes after issue (their task was lost, or the
    broker was down when it was queued): queue it again; the copies follow the PDF."""
    return pdf_requeue_pending(Attestation, task_name=RENDER_TASK, since="issued_at")
