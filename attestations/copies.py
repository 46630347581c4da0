"""The copies of an attestation owed to the commune and the CPAS (CWASS art. 152;
docs/domain.md), as outbox messages: which copies, when one can go, to which address, what
it says, the coordinators' report of failures and the address they type in."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attestations.models import Attestation
from cainamur import audit
from cainamur.models import Centre, PdfStatus, User
from cainamur.roles import GROUP_NAMES, Role
from outbox.emails import email_render
from outbox.models import Dispatch
from outbox.registry import MessageKind, register
from outbox.services import dispatch_queue
from parcours import rules
from parcours.models import Parcours

logger = logging.getLogger(__name__)

PURPOSE = Dispatch.Purpose.ATTESTATION_COPY


def copy_address(dispatch: Dispatch) -> str:
    """The recipient's address today (communes and CPAS are edited in the admin)."""
    if dispatch.recipient_kind == Dispatch.Recipient.CPAS and dispatch.cpas is not None:
        return dispatch.cpas.email
    if dispatch.recipient_kind == Dispatch.Recipient.COMMUNE and dispatch.commune is not None:
        return dispatch.commune.population_email
    return ""


def address_missing(dispatch: Dispatch) -> bool:
    """A copy (or notice) to resend whose recipient has no address today: « Relancer »
    would do nothing until the address is typed (« Copies à vérifier », or the admin)."""
    return dispatch.resendable and not copy_address(dispatch)


def address_missing_text(dispatch: Dispatch, *, may_type: bool) -> str:
    """What a person asking to resend such a copy reads: who types the address (a
    coordinator, on « Copies à vérifier »)."""
    if dispatch.recipient_kind == Dispatch.Recipient.CPAS and dispatch.cpas is not None:
        name = dispatch.cpas.name
        if may_type:
            return _("Adresse manquante : saisissez l'adresse e-mail du CPAS (%(name)s).") % {
                "name": name
            }
        return _(
            "Adresse manquante : la coordination doit saisir l'adresse e-mail du CPAS "
            "(%(name)s) avant de relancer."
        ) % {"name": name}
    name = dispatch.commune.name if dispatch.commune is not None else ""
    if may_type:
        return _("Adresse manquante : saisissez l'adresse e-mail de la commune de %(name)s.") % {
            "name": name
        }
    return _(
        "Adresse manquante : la coordination doit saisir l'adresse e-mail de la commune de "
        "%(name)s avant de relancer."
    ) % {"name": name}


def copy_ready(dispatch: Dispatch) -> bool | None:
    """None = never (the attestation was superseded or revoked), False = not yet (its PDF
    is being rendered)."""
    attestation = dispatch.attestation
    if attestation is None:
        return True
    if attestation.status != Attestation.Status.VALID:
        return None
    return bool(attestation.pdf_status == PdfStatus.READY)


def copy_compose(dispatch: Dispatch) -> EmailMessage:
    attestation = dispatch.attestation
    assert attestation is not None and attestation.pdf, "claimed only once the PDF is stored"
    snapshot = attestation.snapshot
    centre = Centre.current()
    message = email_render(
        "attestation_copy",
        {
            "number": attestation.number,
            "issued_on": snapshot["issued_on"],
            "name": snapshot["full_name"],
            "birth": snapshot["birth_date"],
            "to_cpas": dispatch.recipient_kind == Dispatch.Recipient.CPAS,
            "legal_basis": rules.LEGAL_REFERENCES["obligation"],
            "replaces": snapshot.get("replaces", ""),
            "replaces_issued_on": snapshot.get("replaces_issued_on", ""),
            "verify": snapshot["verify_url"].split("?", 1)[0],
            "centre": centre,
        },
        to=[dispatch.to_address],
        reply_to=[centre.email],
    )
    with attestation.pdf.open("rb") as handle:
        message.attach(f"{attestation.number}.pdf", handle.read(), "application/pdf")
    return message


def copy_resent(dispatch: Dispatch, *, by: User) -> None:
    attestation = dispatch.attestation
    assert attestation is not None
    audit.record(
        action="attestations.copy_resend",
        beneficiary=attestation.beneficiary,
        obj=attestation.parcours,
        by=by,
        summary=_("Copie de l'attestation %(number)s relancée vers %(to)s")
        % {"number": attestation.number, "to": dispatch.recipient_name},
    )


def notice_ready(dispatch: Dispatch) -> bool | None:
    """A notice of revocation goes while the attestation stays revoked."""
    attestation = dispatch.attestation
    if attestation is None or attestation.status != Attestation.Status.REVOKED:
        return None
    return True


def notice_compose(dispatch: Dispatch) -> EmailMessage:
    """No reason is given to the commune or the CPAS: only that it is no longer valid."""
    attestation = dispatch.attestation
    assert attestation is not None
    snapshot = attestation.snapshot
    centre = Centre.current()
    return email_render(
        "attestation_revoked",
        {
            "number": attestation.number,
            "issued_on": snapshot["issued_on"],
            "name": snapshot["full_name"],
            "birth": snapshot["birth_date"],
            "verify": snapshot["verify_url"].split("?", 1)[0],
            "centre": centre,
        },
        to=[dispatch.to_address],
        reply_to=[centre.email],
    )


def notices_owed(attestation: Attestation) -> list[int]:
    """A revoked attestation whose copies already left: each recipient that received one
    is told it is no longer valid (rows created now, sent after commit)."""
    sent = Dispatch.objects.filter(
        attestation=attestation,
        purpose=Dispatch.Purpose.ATTESTATION_COPY,
        status=Dispatch.Status.SENT,
    ).select_related("commune", "cpas")
    rows = [
        Dispatch(
            purpose=Dispatch.Purpose.REVOCATION_NOTICE,
            attestation=attestation,
            recipient_kind=copy.recipient_kind,
            commune=copy.commune,
            cpas=copy.cpas,
        )
        for copy in sent
    ]
    for row in rows:
        if not copy_address(row):
            row.status = Dispatch.Status.NEEDS_ADDRESS
    created = Dispatch.objects.bulk_create(rows)
    ids = [row.pk for row in created if row.status == Dispatch.Status.QUEUED]
    dispatch_queue(ids)
    return ids


def register_copies() -> None:
    register(
        MessageKind(
            purpose=PURPOSE,
            ready=copy_ready,
            address=copy_address,
            compose=copy_compose,
            related=("attestation__beneficiary", "attestation__parcours"),
            on_resend=copy_resent,
            gone=gettext_lazy(
                "Cette attestation n'est plus valable : sa copie n'est plus envoyée."
            ),
        )
    )
    register(
        MessageKind(
            purpose=Dispatch.Purpose.REVOCATION_NOTICE,
            ready=notice_ready,
            address=copy_address,
            compose=notice_compose,
            related=("attestation__beneficiary",),
            gone=gettext_lazy("Cette attestation n'est plus révoquée : l'avis n'a plus d'objet."),
        )
    )


def copies_owed(attestation: Attestation) -> list[Dispatch]:
    """The copies an issued attestation calls for, created with it (same transaction):
    the commune of residence and, when the person receives its support, the CPAS.
    Volunteers get none."""
    if attestation.kind != Parcours.Kind.OBLIGED:
        return []
    beneficiary = attestation.beneficiary
    rows = [
        Dispatch(
            purpose=Dispatch.Purpose.ATTESTATION_COPY,
            attestation=attestation,
            recipient_kind=Dispatch.Recipient.COMMUNE,
            commune=beneficiary.commune,
        )
    ]
    if beneficiary.cpas_support:
        cpas = beneficiary.cpas or getattr(beneficiary.commune, "cpas", None)
        if cpas is not None:
            rows.append(
                Dispatch(
                    purpose=Dispatch.Purpose.ATTESTATION_COPY,
                    attestation=attestation,
                    recipient_kind=Dispatch.Recipient.CPAS,
                    commune=beneficiary.commune,
                    cpas=cpas,
                )
            )
    for row in rows:
        if not copy_address(row):
            row.status = Dispatch.Status.NEEDS_ADDRESS
    return Dispatch.objects.bulk_create(rows)


def copies_cancel(attestation_id: int) -> int:
    """The attestation was superseded or revoked: its copies not yet sent never will be."""
    return Dispatch.objects.filter(
        attestation_id=attestation_id,
        status__in=[
            Dispatch.Status.QUEUED,
            Dispatch.Status.FAILED,
            Dispatch.Status.NEEDS_ADDRESS,
        ],
    ).update(status=Dispatch.Status.CANCELLED, next_attempt_at=None)


def copies_failures_report() -> int:
    """Tell the coordinators, once, about copies that failed or lack an address."""
    with transaction.atomic():
        rows = list(
            Dispatch.objects.needing_attention()
            .filter(failure_reported_at__isnull=True)
            .select_for_update(skip_locked=True)
            .values_list("pk", "status")
        )
        if not rows:
            return 0
        failed = sum(1 for _pk, status in rows if status == Dispatch.Status.FAILED)
        missing = len(rows) - failed
        logger.warning("Outbox: %s failed, %s without address", failed, missing)
        recipients = list(
            get_user_model()
            .objects.filter(is_active=True, groups__name=GROUP_NAMES[Role.COORDINATOR])
            .exclude(email="")
            .values_list("email", flat=True)
            .distinct()
        )
        if not recipients:
            logger.warning("Outbox: no coordinator with an e-mail address to report to")
            return 0
        link = settings.CAI_PUBLIC_URL + reverse("attestations:dispatches")
        message = email_render(
            "copies_failures",
            {"failed": failed, "missing": missing, "link": link},
            to=recipients,
        )
        try:
            message.send(fail_silently=False)
        except OSError:
            logger.warning("Outbox: the failure report could not be mailed; next run")
            return 0
        Dispatch.objects.filter(pk__in=[pk for pk, _status in rows]).update(
            failure_reported_at=timezone.now()
        )
        return len(rows)


def copy_recipient_email_set(*, dispatch: Dispatch, email: str, by: User) -> int:
    """Record the recipient's address (the commune's population service or the CPAS), then
    resend every copy that was waiting for it. Returns how many were queued again."""
    with transaction.atomic():
        dispatch = Dispatch.objects.select_related("commune", "cpas").get(pk=dispatch.pk)
        if dispatch.recipient_kind == Dispatch.Recipient.CPAS and dispatch.cpas is not None:
            cpas = dispatch.cpas
            cpas.email = email
            cpas.save(update_fields=["email"])
            waiting = Dispatch.objects.filter(cpas=cpas, recipient_kind=Dispatch.Recipient.CPAS)
        else:
            commune = dispatch.commune
            assert commune is not None
            commune.population_email = email
            commune.save(update_fields=["population_email"])
            waiting = Dispatch.objects.filter(
                commune=commune, recipient_kind=Dispatch.Recipient.COMMUNE
            )
        ids = list(
            waiting.filter(status=Dispatch.Status.NEEDS_ADDRESS)
            .select_for_update()
            .values_list("pk", flat=True)
        )
        Dispatch.objects.filter(pk__in=ids).update(
            status=Dispatch.Status.QUEUED,
            next_attempt_at=timezone.now(),
            failure_reported_at=None,
            last_error="",
        )
        audit.record(
            by=by,
            action="attestations.copy_address_set",
            summary=_("Adresse des copies saisie pour %(to)s (%(count)s copie(s) relancée(s))")
            % {"to": dispatch.recipient_name, "count": len(ids)},
        )
        logger.info("Recipient address set by user %s; %s copies queued", by.pk, len(ids))
        dispatch_queue(ids)
    return len(ids)


def copies_send(attestation_id: int) -> None:
    """Once the PDF is stored: queue the sending of every copy still queued. Safe to run
    again (a copy already taken by a task is skipped by the claim)."""
    dispatch_queue(
        list(
            Dispatch.objects.filter(
                attestation_id=attestation_id,
                attestation__pdf_status=PdfStatus.READY,
                status=Dispatch.Status.QUEUED,
            ).values_list("pk", flat=True)
        )
    )
