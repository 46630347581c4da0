"""An office's agenda as an export (``cainamur/exports.py``): the day on screen, or the
days up to a chosen date (at most a year), every appointment and group session."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Any

from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appointments.models import Appointment
from beneficiaries.templatetags.languages import language_name
from cainamur.exports import Column, Source, Table, labels, register
from cainamur.lib import localtime
from cainamur.lib.http import is_id
from cainamur.models import User
from cainamur.permissions import FILE_ROLES
from offices.models import Office
from offices.selectors import visible_offices

#: The longest stretch of agenda one export holds.
MAX_DAYS = 366


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def agenda_span(user: User, params: Mapping[str, str]) -> tuple[Office | None, date, date]:
    """The office (one the user sees), the first and the last day asked for; a last day
    before the first, or more than a year after it, is brought back within bounds."""
    wanted = params.get("bureau", "")
    office = visible_offices(user).filter(pk=int(wanted)).first() if is_id(wanted) else None
    first = _day(params.get("jour")) or timezone.localdate()
    last = _day(params.get("jusqu_au")) or first
    last = min(max(last, first), first + timedelta(days=MAX_DAYS - 1))
    return office, first, last


def agenda_for_export(user: User, params: Mapping[str, str]) -> QuerySet[Appointment]:
    office, first, last = agenda_span(user, params)
    if office is None:
        return Appointment.objects.none()
    start, end = localtime.day_bounds(first, (last - first).days + 1)
    return (
        Appointment.objects.filter(office=office, during__overlap=DateTimeTZRange(start, end))
        .exclude(status=Appointment.Status.CANCELLED)  # as the agenda shows them
        .select_related("type", "staff", "room", "beneficiary", "office")
        .order_by("during", "id")
    )


def describe(user: User, params: Mapping[str, str]) -> list[tuple[str, str]]:
    office, first, last = agenda_span(user, params)
    return [
        (_("Bureau"), office.name if office else "—"),
        (_("Du"), first.strftime("%d/%m/%Y")),
        (_("Au"), last.strftime("%d/%m/%Y")),
    ]


COLUMNS = (
    Column(gettext_lazy("Début"), "datetime", 17),
    Column(gettext_lazy("Fin"), "datetime", 17),
    Column(gettext_lazy("Bureau"), width=16),
    Column(gettext_lazy("Type"), width=26),
    Column(gettext_lazy("Statut"), width=14),
    Column(gettext_lazy("Dossier"), width=16),
    Column(gettext_lazy("Personne"), width=28),
    Column(gettext_lazy("Avec"), width=22),
    Column(gettext_lazy("Salle"), width=14),
    Column(gettext_lazy("Interprète"), width=16),
    Column(gettext_lazy("Arrivé·e à"), "datetime", 17),
)


def _rows(appointments: QuerySet[Appointment]) -> Iterator[list[Any]]:
    statuses = labels(Appointment, "status")
    for a in appointments.iterator(chunk_size=2000):
        person = a.beneficiary
        yield [
            a.during.lower,
            a.during.upper,
            a.office.name,
            a.type.name,
            statuses.get(a.status, a.status),
            person.file_number if person else "",
            person.full_name if person else _("séance de groupe"),
            str(a.staff) if a.staff else "",
            a.room.name if a.room else "",
            language_name(a.interpreter_language),
            a.arrived_at,
        ]


def build(user: User, params: Mapping[str, str]) -> Table:
    appointments = agenda_for_export(user, params)
    return Table(
        title=_("Agenda"),
        columns=COLUMNS,
        rows=_rows(appointments),
        count=appointments.count(),
        files=lambda: appointments.exclude(beneficiary=None).values_list(
            "beneficiary_id", flat=True
        )[:100],
    )


def register_sources() -> None:
    register(
        Source(
            name="rendez-vous",
            label=gettext_lazy("Rendez-vous (agenda)"),
            roles=FILE_ROLES,
            params=("bureau", "jour", "jusqu_au"),
            build=build,
            describe=describe,
        )
    )
