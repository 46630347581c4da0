"""The demo data: refused outside development, idempotent, with working demo logins."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from tests.conftest import log_in_through_form


class TestSeedDemo:
    def test_refused_outside_development(self, db: None, settings: Any) -> None:
        settings.DEBUG = False
        with pytest.raises(CommandError, match="mode développement"):
            call_command("seed_demo")

    def test_idempotent_with_working_logins(self, db: None, settings: Any, client: Any) -> None:
        from beneficiaries.models import Beneficiary
        from demo.data import DEMO_TOTP_KEY_HEX
        from demo.management.commands.seed_demo import DEMO_LOGINS

        settings.DEBUG = True
        call_command("seed_demo", beneficiaries=60, stdout=io.StringIO())
        from beneficiaries.models import Consent

        consents = Consent.objects.count()
        out = io.StringIO()
        call_command("seed_demo", beneficiaries=60, stdout=out)
        assert "0 dossier(s) créé(s), 60 au total" in out.getvalue()
        assert Beneficiary.objects.count() == 60
        # Many people with a mobile number agreed to SMS reminders, before their caseworker.
        assert Consent.objects.count() == consents >= 10
        assert not Consent.objects.exclude(
            purpose="sms_reminders",
            beneficiary__phone__startswith="+324",
            recorded_by=F("beneficiary__caseworker"),
        ).exists()
        from beneficiaries.models import BeneficiaryEvent
        from parcours.models import ObligationAssessment

        # Every demo file is assessed (files with a demo path once more, at its opening).
        assert ObligationAssessment.objects.values("beneficiary").distinct().count() == 60
        from parcours.models import Parcours

        assert Parcours.objects.exists()  # a few demo paths at various stages
        assert not BeneficiaryEvent.objects.exists()  # a bulk load, not edits: no history
        assert Beneficiary.objects.exclude(national_number=None).count() >= 55
        assert Beneficiary.objects.values("office").distinct().count() >= 4
        assert Beneficiary.objects.values("commune").distinct().count() >= 10
        for username, password, *_ in DEMO_LOGINS:
            assert log_in_through_form(client, username, password, totp_key=DEMO_TOTP_KEY_HEX), (
                username
            )
            client.logout()
