from __future__ import annotations

from datetime import time

import pytest

from appointments.models import AppointmentType
from cainamur.models import User
from offices.models import Office, StaffAvailability


@pytest.fixture
def present(caseworker: User, namur: Office) -> User:
    """The Namur caseworker is at the office every weekday, 9:00-12:30 and 13:30-16:30."""
    for weekday in range(5):
        for starts, ends in ((time(9), time(12, 30)), (time(13, 30), time(16, 30))):
            StaffAvailability.objects.create(
                staff=caseworker, office=namur, weekday=weekday, starts=starts, ends=ends
            )
    return caseworker


@pytest.fixture
def welcome_type() -> AppointmentType:
    return AppointmentType.objects.get(code="welcome")
