"""A convention's PDF whose task was lost (a worker died, the broker was down when it was
queued) is rendered by the watch beat runs every minute."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cainamur.models import User
from parcours.models import Convention
from parcours.tasks import conventions_watch
from tests.factories import obliged_file, signed_path


def test_a_convention_whose_task_was_lost_is_rendered_by_the_watch(
    caseworker: User, django_capture_on_commit_callbacks: Any
) -> None:
    parcours: Any = signed_path(obliged_file(caseworker), caseworker)  # its task never ran
    convention = Convention.objects.get(parcours=parcours)
    assert convention.pdf_status == "pending"
    # Just signed: its task may still be in the queue.
    with django_capture_on_commit_callbacks(execute=True):
        assert conventions_watch() == 0
    Convention.objects.filter(pk=convention.pk).update(
        created_at=convention.created_at - timedelta(minutes=3)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert conventions_watch() == 1
    convention.refresh_from_db()
    assert convention.pdf_status == "ready" and convention.pdf_sha256
    with django_capture_on_commit_callbacks(execute=True):
        assert conventions_watch() == 0
