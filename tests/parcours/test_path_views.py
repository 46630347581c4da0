from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cainamur.models import User
from parcours.models import Parcours
from parcours.services import convention_sign, hours_record
from tests.parcours.test_path_services import SIGN


def test_refused_step_says_why_and_changes_nothing(
    login_client: Any, caseworker: User, welcomed: Parcours
) -> None:
    client = login_client(caseworker)
    url = reverse("parcours:hours", args=[welcomed.beneficiary_id])
    response = client.post(url, {"axis": "", "on": "2026-10-01", "hours": "3"})
    assert response.status_code == 400
    assert "Heures non enregistrées" in response.content.decode()
    # Before the convention: the service refuses, the page explains.
    welcomed.welcome.french_test_on = None
    welcomed.welcome.save()
    response = client.post(
        reverse("parcours:convention", args=[welcomed.beneficiary_id]),
        {
            "signed_on": "2026-10-01",
            "start_on": "2026-10-01",
            "citizenship_hours": "60",
            "french_hours": "400",
            "orientation_hours": "4",
        },
        follow=True,
    )
    assert "module d&#x27;accueil n&#x27;est pas terminé" in response.content.decode()
    assert not welcomed.conventions.exists()


def test_reception_sees_the_path_but_cannot_act(
    login_client: Any, reception: User, welcomed: Parcours
) -> None:
    page = (
        login_client(reception)
        .get(reverse("beneficiaries:detail", args=[welcomed.beneficiary_id]))
        .content.decode()
    )
    assert "Module d&#x27;accueil" in page
    assert "Enregistrer le module d&#x27;accueil" not in page
    response = login_client(reception).post(
        reverse("parcours:welcome", args=[welcomed.beneficiary_id]), {}
    )
    assert response.status_code == 403


def test_file_page_with_a_path_has_a_fixed_query_count(
    login_client: Any, caseworker: User, welcomed: Parcours
) -> None:
    convention_sign(parcours=welcomed, by=caseworker, **SIGN)
    french = welcomed.axes.get(kind="french")
    client = login_client(caseworker)
    url = reverse("beneficiaries:detail", args=[welcomed.beneficiary_id])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    hours_record(axis=french, on=date(2026, 10, 2), hours=Decimal("3"), by=caseworker)
    first = count()
    for day in range(3, 20):
        hours_record(axis=french, on=date(2026, 10, day), hours=Decimal("3"), by=caseworker)
    assert count() == first


def test_axis_operator(login_client: Any, caseworker: User, welcomed: Parcours) -> None:
    convention_sign(parcours=welcomed, by=caseworker, **SIGN)
    axis = welcomed.axes.get(kind="citizenship")
    client = login_client(caseworker)
    client.post(
        reverse("parcours:operator", args=[welcomed.beneficiary_id]),
        {"axis": axis.pk, "operator": "ILI Namur — citoyenneté en arabe"},
    )
    axis.refresh_from_db()
    assert axis.operator == "ILI Namur — citoyenneté en arabe"
    page = client.get(reverse("beneficiaries:detail", args=[welcomed.beneficiary_id]))
    assert "citoyenneté en arabe" in page.content.decode()


def test_a_refused_form_keeps_what_was_typed(
    login_client: Any, caseworker: User, welcomed: Parcours
) -> None:
    client = login_client(caseworker)
    response = client.post(
        reverse("parcours:convention", args=[welcomed.beneficiary_id]),
        {
            "signed_on": "2099-01-01",
            "start_on": "2026-10-01",
            "citizenship_hours": "75",
            "french_required": "on",
            "french_hours": "0",
            "orientation_hours": "4",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Convention non signée" in page
    assert "Un axe requis demande des heures." in page
    assert "Cette date est dans le futur." in page
    assert 'value="75"' in page  # what was typed is still there
    assert not welcomed.conventions.exists()


def test_ledger_lines_are_shown_with_their_source_and_author(
    login_client: Any, caseworker: User, welcomed: Parcours
) -> None:
    convention_sign(parcours=welcomed, by=caseworker, **SIGN)
    french = welcomed.axes.get(kind="french")
    hours_record(axis=french, on=date(2026, 10, 2), hours=Decimal("3"), by=caseworker)
    hours_record(
        axis=french,
        on=date(2026, 10, 3),
        hours=Decimal("-1.5"),
        by=caseworker,
        note="Erreur de saisie",
    )
    page = (
        login_client(caseworker)
        .get(reverse("beneficiaries:detail", args=[welcomed.beneficiary_id]))
        .content.decode()
    )
    assert "Registre des heures (2 lignes)" in page
    assert "Erreur de saisie" in page and "Correction" in page and "-1,5" in page


def test_timeline_shows_30_events_then_everything_on_request(
    login_client: Any, caseworker: User, welcomed: Parcours
) -> None:
    from cainamur import audit

    for n in range(40):
        audit.record(
            by=caseworker,
            action="test",
            beneficiary=welcomed.beneficiary,
            summary=f"Événement n°{n}",
        )
    client = login_client(caseworker)
    url = reverse("beneficiaries:detail", args=[welcomed.beneficiary_id])
    page = client.get(url).content.decode()
    assert "Événement n°39" in page and "Événement n°5 " not in page
    assert "Voir tout l'historique" in page
    page = client.get(url, {"historique": "tout"}).content.decode()
    assert "Événement n°0<" in page.replace("</span>", "<")


def test_invitations_to_the_evaluation_are_kept_as_evidence(
    login_client: Any, caseworker: User, welcomed: Parcours
) -> None:
    from django.db import InternalError, transaction

    from parcours.models import EvaluationInvitation

    convention_sign(parcours=welcomed, by=caseworker, **SIGN)
    client = login_client(caseworker)
    url = reverse("parcours:invitation", args=[welcomed.beneficiary_id])
    refused = client.post(url, {"channel": "registered_letter", "sent_on": "2026-11-02"})
    page = refused.content.decode()
    assert refused.status_code == 400 and "numéro du recommandé" in page
    assert 'value="2026-11-02"' in page  # what was typed stays
    client.post(
        url,
        {"channel": "registered_letter", "sent_on": "2026-11-02", "proof_number": "RR123456785BE"},
    )
    client.post(url, {"channel": "sms", "sent_on": "2026-11-20"})
    invitations = list(EvaluationInvitation.objects.order_by("sent_on"))
    assert [(i.channel, i.proof_number) for i in invitations] == [
        ("registered_letter", "RR123456785BE"),
        ("sms", ""),
    ]
    page = client.get(reverse("beneficiaries:detail", args=[welcomed.beneficiary_id])).content
    assert "n° RR123456785BE" in page.decode()
    with pytest.raises(InternalError, match="invitations_append_only"), transaction.atomic():
        EvaluationInvitation.objects.filter(pk=invitations[0].pk).delete()


def test_reasons_typed_on_the_path_stay_with_the_health_permission(
    login_client: Any, welcomed: Parcours, caseworker: User, reception: User
) -> None:
    """Extension, amendment and suspension reasons may hold health details: reception
    reads none of them (issue 12, finding 5); the caseworker reads them all."""
    from parcours.services import convention_sign, extension_record, parcours_change_status

    hours = {
        "citizenship_hours": Decimal("60"),
        "french_required": True,
        "french_hours": Decimal("400"),
        "orientation_required": False,
        "orientation_hours": Decimal("4"),
    }
    convention_sign(
        parcours=welcomed,
        signed_on=date(2026, 9, 15),
        start_on=date(2026, 9, 15),
        by=caseworker,
        **hours,
    )
    convention_sign(
        parcours=welcomed,
        signed_on=date(2026, 10, 1),
        start_on=date(2026, 9, 15),
        by=caseworker,
        amendment_reason="Grossesse à risque",
        **hours,
    )
    extension_record(
        parcours=welcomed,
        deadline="attestation",
        decided_on=date(2026, 10, 2),
        new_end_on=date(2028, 12, 31),
        reason="Hospitalisation psychiatrique",
        document=None,
        by=caseworker,
    )
    parcours_change_status(
        parcours=welcomed, to="suspended", by=caseworker, reason="Dépression sévère"
    )
    url = reverse("beneficiaries:detail", args=[welcomed.beneficiary_id])
    seen = login_client(reception).get(url).content.decode()
    for secret in ("Grossesse", "Hospitalisation", "Dépression"):
        assert secret not in seen, secret
    followed = login_client(caseworker).get(url).content.decode()
    for secret in ("Grossesse", "Hospitalisation", "Dépression"):
        assert secret in followed, secret
