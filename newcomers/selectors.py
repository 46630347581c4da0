"""What the person's own page shows of their file, and nothing else: appointments to come,
the path's steps, hours per axis and deadlines, the operators they are oriented to and
their contact, the attestation once issued. Never notes, reasons, exemptions nor health
information."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.utils import timezone
from django_stubs_ext import StrOrPromise

from appointments.models import Appointment, Seat
from attestations.models import Attestation
from beneficiaries.contact_languages import person_text
from beneficiaries.models import Beneficiary
from offices.models import Office
from operators.models import Orientation
from parcours.models import Axis, AxisKind, DeadlineKind, Parcours
from parcours.selectors import current_path, path_panel

AXIS_NAMES: dict[str, StrOrPromise] = {
    AxisKind.CITIZENSHIP: person_text("Formation à la citoyenneté"),
    AxisKind.FRENCH: person_text("Cours de français"),
    AxisKind.ORIENTATION: person_text("Orientation vers l'emploi ou la formation"),
}
DEADLINE_NAMES: dict[str, StrOrPromise] = {
    DeadlineKind.PRESENTATION: person_text("Venir au CAI pour la première fois"),
    DeadlineKind.CITIZENSHIP: person_text("Terminer la formation à la citoyenneté"),
    DeadlineKind.FRENCH: person_text("Terminer les cours de français"),
    DeadlineKind.ATTESTATION: person_text("Obtenir l'attestation de fin de parcours"),
}
KIND_NAMES: dict[str, StrOrPromise] = {
    Parcours.Kind.OBLIGED: person_text(
        "Ce parcours est obligatoire pour vous : il doit être terminé à temps."
    ),
    Parcours.Kind.VOLUNTARY: person_text("Vous suivez ce parcours parce que vous l'avez choisi."),
}
ORIENTATION_STATES: dict[str, StrOrPromise] = {
    Orientation.Status.PROPOSED: person_text("proposé"),
    Orientation.Status.WAITING: person_text("sur liste d'attente"),
    Orientation.Status.ENROLLED: person_text("inscrit·e"),
    Orientation.Status.IN_PROGRESS: person_text("en cours"),
    Orientation.Status.COMPLETED: person_text("terminé"),
}
TYPE_NAMES: dict[str, StrOrPromise] = {
    "welcome": person_text("Module d'accueil"),
    "social_assessment": person_text("Bilan social"),
    "rights_duties": person_text("Séance sur les droits et devoirs"),
    "evaluation": person_text("Entretien d'évaluation"),
    "isp_followup": person_text("Suivi de l'orientation vers l'emploi"),
    "other": person_text("Rendez-vous au CAI"),
}
#: Always worth bringing, whatever the appointment.
BRING = person_text("Apportez votre titre de séjour et cette page ou le message reçu.")


@dataclass(frozen=True)
class Step:
    name: StrOrPromise
    done: bool
    on: date | None = None


@dataclass(frozen=True)
class AxisLine:
    name: StrOrPromise
    hours: Decimal
    required: Decimal
    percent: int
    done: bool
    deadline: date | None


def map_link(office: Office) -> str:
    """A map of the office's address (opened only if the person follows it)."""
    address = ", ".join(x for x in (office.street, f"{office.postal_code} {office.city}") if x)
    return "https://www.openstreetmap.org/search?" + urlencode({"query": f"{address}, Belgique"})


def _appointments(file: Beneficiary) -> list[dict[str, Any]]:
    now = timezone.now()
    own = Appointment.objects.filter(
        beneficiary=file, status=Appointment.Status.BOOKED, during__endswith__gt=now
    ).select_related("office", "type", "online_booking")
    sessions = Appointment.objects.filter(
        seats__beneficiary=file,
        seats__status=Seat.Status.BOOKED,
        status=Appointment.Status.BOOKED,
        during__endswith__gt=now,
    ).select_related("office", "type")
    rows = sorted([*own, *sessions], key=lambda a: a.during.lower)
    return [
        {
            "appointment": a,
            "name": TYPE_NAMES.get(a.type.code, TYPE_NAMES["other"]),
            "map": map_link(a.office),
            "bring": a.type.bring,
            # Moved or cancelled online when it was booked online; else by phone.
            "booking": a.online_booking if a.online_booking_id else None,
        }
        for a in rows
    ]


def _steps(parcours: Parcours, panel: dict[str, Any]) -> list[Step]:
    welcome = panel["welcome"]
    convention = panel["convention"]
    steps = [
        Step(
            person_text("Bilan social (module d'accueil)"),
            bool(welcome.social_assessment_on),
            welcome.social_assessment_on,
        ),
        Step(
            person_text("Séance sur les droits et devoirs"),
            bool(welcome.rights_duties_on),
            welcome.rights_duties_on,
        ),
        Step(
            person_text("Convention signée"),
            convention is not None,
            convention.signed_on if convention is not None else None,
        ),
    ]
    finished = parcours.status in (Parcours.Status.COMPLETED, Parcours.Status.ATTESTATION_ISSUED)
    steps.append(Step(person_text("Formations terminées"), finished))
    steps.append(
        Step(
            person_text("Attestation de fin de parcours"),
            parcours.status == Parcours.Status.ATTESTATION_ISSUED,
        )
    )
    return steps


def personal_page(file: Beneficiary) -> dict[str, Any]:
    """Everything the page shows (a fixed number of queries)."""
    today = timezone.localdate()
    parcours = current_path(file)
    context: dict[str, Any] = {
        "appointments": _appointments(file),
        "bring": BRING,
        "parcours": parcours,
        "attestations": list(
            Attestation.objects.filter(beneficiary=file, status=Attestation.Status.VALID)
            .exclude(pdf="")
            .order_by("-issued_on")
        ),
        "orientations": [
            {"orientation": o, "state": ORIENTATION_STATES.get(o.status, "")}
            for o in Orientation.objects.filter(beneficiary=file)
            .filter(~Q(status__in=[Orientation.Status.DROPPED, "refused"]))
            .select_related("offer__operator")
        ],
    }
    if parcours is None:
        return context
    panel = path_panel(parcours, today=today)
    context.update(
        kind=KIND_NAMES.get(parcours.kind, ""),
        steps=_steps(parcours, panel),
        axes=[
            AxisLine(
                name=AXIS_NAMES.get(row.axis.kind, row.axis.get_kind_display()),
                hours=row.total,
                required=row.axis.required_hours,
                percent=row.percent,
                done=row.axis.status == Axis.Status.COMPLETED,
                deadline=row.deadline,
            )
            for row in panel["axis_rows"]
            if row.axis.status != Axis.Status.NOT_REQUIRED
        ],
        deadlines=[
            {"name": DEADLINE_NAMES.get(d.kind, d.label), "on": d.effective}
            for d in panel["deadlines"]
            if d.effective is not None
        ],
        today=today,
    )
    return context
