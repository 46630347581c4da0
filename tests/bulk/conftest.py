"""Files ready for the welcome module, a group session to come, and running an action the
way the views do (its task runs in the test's process after commit)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from appointments.models import Appointment, AppointmentType
from appointments.services import session_create
from beneficiaries.models import Beneficiary
from bulk import services
from bulk.models import BulkAction
from cainamur.lib.localtime import BRUSSELS
from cainamur.models import User
from offices.models import Office
from parcours.models import Parcours
from parcours.services import parcours_open
from tests.factories import obliged_file


def next_weekday(days: int = 7) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(9, 30), tzinfo=BRUSSELS)


@pytest.fixture
def welcome_file(caseworker: User) -> Callable[..., Beneficiary]:
    """A person obliged, whose path is open at the welcome module (street and e-mail
    unless said otherwise)."""

    def make(**fields: Any) -> Beneficiary:
        fields.setdefault("street", "Rue de Fer 12")
        fields.setdefault("postal_code", "5000")
        fields.setdefault("email", "")
        person = obliged_file(caseworker, **fields)
        path = parcours_open(beneficiary=person, by=caseworker)
        assert path.status == Parcours.Status.WELCOME
        return person

    return make


@pytest.fixture
def group_session(caseworker: User, namur: Office) -> Callable[..., Appointment]:
    def make(capacity: int = 12, days: int = 7) -> Appointment:
        kind = AppointmentType.objects.get(code="rights_duties")
        kind.capacity = capacity
        kind.save()
        return session_create(
            kind=kind,
            office=namur,
            staff_id=caseworker.pk,
            room=None,
            start=next_weekday(days),
            by=caseworker,
        )

    return make


@pytest.fixture
def run(django_capture_on_commit_callbacks: Any) -> Callable[..., BulkAction]:
    """Ask for an action and let its task run (after commit, as in production)."""

    def make(**kwargs: Any) -> BulkAction:
        with django_capture_on_commit_callbacks(execute=True):
            action, _created = services.bulk_request(**kwargs)
        action.refresh_from_db()
        return action

    return make
