"""The breaches, as pure rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from compliance import rules

TODAY = date(2026, 11, 30)


def test_presentation_breach_from_the_day_after_the_deadline() -> None:
    due = date(2026, 9, 20)
    assert rules.presentation_breach(deadline=due, presented_on=None, today=TODAY) == (
        rules.Breach(rules.PRESENTATION, date(2026, 9, 21))
    )
    # Came in time: no breach; came late: the breach stands.
    assert rules.presentation_breach(deadline=due, presented_on=due, today=TODAY) is None
    late = rules.presentation_breach(deadline=due, presented_on=date(2026, 10, 1), today=TODAY)
    assert late is not None and late.since == date(2026, 9, 21)
    # The deadline is today or later, or unknown: nothing yet.
    assert rules.presentation_breach(deadline=TODAY, presented_on=None, today=TODAY) is None
    assert rules.presentation_breach(deadline=None, presented_on=None, today=TODAY) is None


def test_attestation_breach_only_without_attestation() -> None:
    due = date(2026, 6, 30)
    assert rules.attestation_breach(deadline=due, attested=False, today=TODAY) == rules.Breach(
        rules.ATTESTATION, date(2026, 7, 1)
    )
    assert rules.attestation_breach(deadline=due, attested=True, today=TODAY) is None
    assert rules.attestation_breach(deadline=TODAY, attested=False, today=TODAY) is None


def test_two_unjustified_absences_from_the_second() -> None:
    assert rules.absences_breach([date(2026, 3, 1)]) is None
    breach = rules.absences_breach([date(2026, 9, 1), date(2026, 3, 1), date(2026, 10, 1)])
    assert breach == rules.Breach(rules.ABSENCES, date(2026, 9, 1))


def test_fine_bounds() -> None:
    assert rules.fine_is_plausible(Decimal("100"))
    assert rules.fine_is_plausible(Decimal("2500"))
    assert not rules.fine_is_plausible(Decimal("99.99"))
    assert not rules.fine_is_plausible(Decimal("2500.01"))
    assert not rules.fine_is_plausible(None)
    assert rules.fine_is_plausible(Decimal("50"), low=Decimal("50"), high=Decimal("60"))
