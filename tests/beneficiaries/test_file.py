"""Registration with duplicate detection, the file page, edits and re-assessment."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from beneficiaries.models import Beneficiary, Exemption
from beneficiaries.selectors import beneficiary_search
from cainamur.models import User
from parcours.models import ObligationAssessment
from tests.factories import BeneficiaryFactory

VALID_NRN = "85073003328"  # 85.07.30-033.28, passes the official check


def registration(**overrides: Any) -> dict[str, Any]:
    data = {
        "last_name": "El Amrani",
        "first_names": "Salma",
        "sex": "F",
        "birth_date": "1992-03-14",
        "nationality": "MA",
        "national_number": "",
        "street": "Rue de Fer 12",
        "postal_code": "5000",
        "phone": "0471 23 45 67",
        "email": "",
        "first_registration_on": "2026-06-02",
        "permit_type": "A",
        "permit_ordered_on": "2026-06-20",
        "permit_over_3_months": "on",
        "cpas_support": "on",
        "notes": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def client_cw(login_client: Any, caseworker: User) -> Any:
    return login_client(caseworker)


def test_registration_opens_an_assessed_file(client_cw: Any, caseworker: User) -> None:
    response = client_cw.post(reverse("beneficiaries:create"), registration())
    beneficiary = Beneficiary.objects.get(last_name="El Amrani")
    assert response["Location"] == reverse("beneficiaries:detail", args=[beneficiary.pk])
    assert beneficiary.file_number.startswith("CAI-")
    assert beneficiary.commune.name == "Namur" and beneficiary.office.code == "namur"
    assert beneficiary.cpas.name == "CPAS de Namur"  # defaults to the commune's CPAS
    assert beneficiary.phone == "+32471234567"
    assessment = ObligationAssessment.objects.get(beneficiary=beneficiary)
    assert assessment.status == "obliged" and assessment.regime == "2024"
    assert assessment.attestation_deadline == date(2029, 6, 20)
    assert assessment.assessed_by == caseworker
    assert beneficiary.obligation_status == "obliged"
    page = client_cw.get(response["Location"]).content.decode()
    assert "Obligé·e de suivre le parcours d&#x27;intégration" in page
    # Presentation: 3 months after the later of the registration and the permit order.
    assert "20/06/2029" in page and "20/09/2026" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("national_number", "85.07.30-033.29", "chiffres de contrôle incorrects"),
        ("national_number", "1234", "11 chiffres"),
        ("postal_code", "1000", "pas celui d&#x27;une commune de la province de Namur"),
        ("phone", "12", "numéro de téléphone n&#x27;est pas valide"),
        ("permit_issued_on", "2026-06-01", "délivré avant d&#x27;être commandé"),
    ],
)
def test_bad_input_is_refused_and_kept(
    client_cw: Any, field: str, value: str, message: str
) -> None:
    response = client_cw.post(reverse("beneficiaries:create"), registration(**{field: value}))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'value="El Amrani"' in page  # nothing typed is lost
    assert not Beneficiary.objects.filter(last_name="El Amrani").exists()


def test_same_register_number_links_to_the_existing_file(client_cw: Any) -> None:
    existing = BeneficiaryFactory(national_number=VALID_NRN)
    response = client_cw.post(
        reverse("beneficiaries:create"), registration(national_number="85.07.30-033.28")
    )
    page = response.content.decode()
    assert "Ce numéro est déjà celui du dossier" in page
    assert reverse("beneficiaries:detail", args=[existing.pk]) in page


def test_register_number_of_another_office_is_refused_without_details(
    login_client: Any, outsider: User
) -> None:
    BeneficiaryFactory(national_number=VALID_NRN, last_name="Secret")
    response = login_client(outsider).post(
        reverse("beneficiaries:create"),
        registration(national_number=VALID_NRN, postal_code="5500"),
    )
    page = response.content.decode()
    assert "déjà enregistré dans un dossier existant ailleurs : appelez la coordination" in page
    assert "SECRET" not in page.upper().replace("SECRETARIAT", "")
    assert "bureau de Namur" not in page


def test_a_similar_file_of_another_office_is_announced_without_its_office(
    login_client: Any, outsider: User
) -> None:
    """Issue 12, finding 9: someone outside the office learns only that a file exists
    elsewhere and to call the coordination."""
    BeneficiaryFactory(last_name="El Amrani", first_names="Salma", birth_date=date(1992, 3, 14))
    response = login_client(outsider).post(
        reverse("beneficiaries:create"), registration(postal_code="5500")
    )
    page = response.content.decode()
    assert "Un dossier existe ailleurs : appelez la coordination" in page
    assert "Namur" not in page.split('id="duplicates"')[1].split("</div>")[0]


def test_similar_name_and_birth_date_is_flagged_before_saving(client_cw: Any) -> None:
    existing = BeneficiaryFactory(
        last_name="El Amrani", first_names="Salma", birth_date=date(1992, 3, 14)
    )
    # Accents, order and a typo: still the same person, probably.
    data = registration(last_name="Salma", first_names="Él Amrany")
    response = client_cw.post(reverse("beneficiaries:create"), data)
    page = response.content.decode()
    assert "Cette personne a peut-être déjà un dossier" in page
    assert existing.file_number in page
    assert Beneficiary.objects.count() == 1
    response = client_cw.post(reverse("beneficiaries:create"), {**data, "confirm_distinct": "1"})
    assert response.status_code == 302
    assert Beneficiary.objects.count() == 2


def test_same_name_other_birth_date_is_not_a_duplicate(client_cw: Any) -> None:
    BeneficiaryFactory(last_name="El Amrani", first_names="Salma", birth_date=date(1990, 1, 1))
    response = client_cw.post(reverse("beneficiaries:create"), registration())
    assert response.status_code == 302


def test_medical_exemption_never_named_to_reception(
    login_client: Any, reception: User, caseworker: User
) -> None:
    """Through the real views: the exemption card, the assessment's reasons and trigger,
    and the timeline must not reveal a medical exemption to reception."""
    login_client(caseworker).post(reverse("beneficiaries:create"), registration())
    beneficiary = Beneficiary.objects.get(last_name="El Amrani")
    login_client(caseworker).post(
        reverse("beneficiaries:exemption-add", args=[beneficiary.pk]),
        {"code": "medical", "proven_on": "2026-08-01", "notes": "Pathologie lourde"},
    )
    beneficiary.refresh_from_db()
    assert beneficiary.obligation_status == "exempt"
    page = (
        login_client(reception)
        .get(reverse("beneficiaries:detail", args=[beneficiary.pk]))
        .content.decode()
    )
    for secret in ("médical", "Médical", "Pathologie", "medical"):
        assert secret not in page, secret
    assert "Dispense prouvée : son motif est réservé" in page


def test_reception_registers_but_sees_no_health_data(
    login_client: Any, reception: User, caseworker: User
) -> None:
    client = login_client(reception)
    client.post(
        reverse("beneficiaries:create"),
        # The number's birth date and sex, as typed.
        registration(national_number=VALID_NRN, birth_date="1985-07-30", sex="M"),
    )
    beneficiary = Beneficiary.objects.get(last_name="El Amrani")
    Exemption.objects.create(
        beneficiary=beneficiary,
        code="medical",
        proven_on=date(2026, 7, 1),
        notes="Pathologie lourde",
        recorded_by=caseworker,
    )
    from parcours.services import obligation_assess

    obligation_assess(beneficiary=beneficiary, by=caseworker, trigger="test")
    page = client.get(reverse("beneficiaries:detail", args=[beneficiary.pk])).content.decode()
    assert "Certificat médical" not in page and "Pathologie" not in page
    assert "Dispense prouvée : son motif est réservé" in page
    assert "85.07.30-***.**" in page and "033.28" not in page
    caseworker_client = login_client(caseworker)
    page = caseworker_client.get(
        reverse("beneficiaries:detail", args=[beneficiary.pk])
    ).content.decode()
    assert "Certificat médical" in page and "Pathologie" in page
    # The whole number on request only (the read log records it).
    assert "85.07.30-***.**" in page and 'data-testid="reveal-number"' in page
    revealed = caseworker_client.get(
        reverse("beneficiaries:national-number", args=[beneficiary.pk])
    )
    assert revealed.content.decode() == "85.07.30-033.28"
    assert (
        login_client(reception)
        .get(reverse("beneficiaries:national-number", args=[beneficiary.pk]))
        .status_code
        == 403
    )


def test_exemptions_reassess_the_obligation(client_cw: Any) -> None:
    client_cw.post(reverse("beneficiaries:create"), registration())
    beneficiary = Beneficiary.objects.get(last_name="El Amrani")
    response = client_cw.post(
        reverse("beneficiaries:exemption-add", args=[beneficiary.pk]),
        {"code": "employment", "proven_on": "2026-08-01", "notes": "CDI mi-temps"},
    )
    assert response.status_code == 302
    beneficiary.refresh_from_db()
    assert beneficiary.obligation_status == "exempt"
    latest = ObligationAssessment.objects.filter(beneficiary=beneficiary).first()
    assert latest.reasons == ["employment"] and "Dispense ajoutée" in latest.trigger
    exemption = beneficiary.exemptions.get()
    client_cw.post(reverse("beneficiaries:exemption-delete", args=[beneficiary.pk, exemption.pk]))
    beneficiary.refresh_from_db()
    assert beneficiary.obligation_status == "obliged"
    assert ObligationAssessment.objects.filter(beneficiary=beneficiary).count() == 3


def test_every_change_is_kept_in_the_history(client_cw: Any) -> None:
    from beneficiaries.models import BeneficiaryEvent

    client_cw.post(reverse("beneficiaries:create"), registration())
    beneficiary = Beneficiary.objects.get(last_name="El Amrani")
    client_cw.post(
        reverse("beneficiaries:update", args=[beneficiary.pk]), registration(phone="081 71 35 18")
    )
    events = BeneficiaryEvent.objects.filter(pgh_obj=beneficiary).order_by("pgh_id")
    assert [e.pgh_label for e in events][:1] == ["insert"]
    assert events.last().phone == "+3281713518"


def test_history_rows_carry_the_user_and_the_request(client_cw: Any, caseworker: User) -> None:
    from beneficiaries.models import BeneficiaryEvent

    client_cw.post(reverse("beneficiaries:create"), registration())
    beneficiary = Beneficiary.objects.get(last_name="El Amrani")
    url = reverse("beneficiaries:update", args=[beneficiary.pk])
    client_cw.post(url, registration(phone="081 71 35 18"))
    change = BeneficiaryEvent.objects.filter(pgh_obj=beneficiary).order_by("pgh_id").last()
    assert change.pgh_context is not None
    assert change.pgh_context.metadata["user"] == caseworker.pk
    assert change.pgh_context.metadata["url"] == url


def test_edit_reassesses_only_when_a_fact_changes(client_cw: Any) -> None:
    client_cw.post(reverse("beneficiaries:create"), registration())
    beneficiary = Beneficiary.objects.get(last_name="El Amrani")
    url = reverse("beneficiaries:update", args=[beneficiary.pk])
    client_cw.post(url, registration(phone="081 71 35 18"))
    assert ObligationAssessment.objects.filter(beneficiary=beneficiary).count() == 1
    client_cw.post(url, registration(nationality="TR"))
    beneficiary.refresh_from_db()
    assert beneficiary.obligation_status == "exempt"
    latest = ObligationAssessment.objects.filter(beneficiary=beneficiary).first()
    assert latest.reasons == ["standstill_nationality"]
    assert latest.trigger == "Modification : nationalité"


def test_file_page_query_count_does_not_grow(client_cw: Any, caseworker: User) -> None:
    from parcours.services import obligation_assess

    beneficiary = BeneficiaryFactory()
    url = reverse("beneficiaries:detail", args=[beneficiary.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client_cw.get(url).status_code == 200
        return len(queries)

    obligation_assess(beneficiary=beneficiary, by=caseworker, trigger="1")
    Exemption.objects.create(
        beneficiary=beneficiary, code="studies", proven_on=date(2026, 1, 1), recorded_by=caseworker
    )
    first = count()
    for n in range(8):
        obligation_assess(beneficiary=beneficiary, by=caseworker, trigger=str(n))
    Exemption.objects.create(
        beneficiary=beneficiary,
        code="employment",
        proven_on=date(2026, 1, 1),
        recorded_by=caseworker,
    )
    assert count() == first


class TestSearch:
    @pytest.fixture
    def people(self, db: None) -> dict[str, Beneficiary]:
        return {
            "haddad": BeneficiaryFactory(last_name="Haddad", first_names="Nour"),
            "celik": BeneficiaryFactory(
                last_name="Çelik", first_names="Ayşe", national_number=VALID_NRN
            ),
            "kovalenko": BeneficiaryFactory(last_name="Kovalenko", first_names="Olena"),
            "diallo": BeneficiaryFactory(last_name="Diallo", first_names="Mamadou Alpha"),
        }

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("hadd", "haddad"),  # partial
            ("HADDAD nour", "haddad"),  # case, several words
            ("nour haddad", "haddad"),  # order
            ("celik", "celik"),  # accents omitted
            ("aysé", "celik"),  # accents added
            ("hadad", "haddad"),  # typo
            ("kovalenco", "kovalenko"),  # typo
            ("alpha diallo", "diallo"),
            ("85.07.30-033.28", "celik"),  # register number, formatted
            ("85073003328", "celik"),
        ],
    )
    def test_finds(self, people: dict[str, Beneficiary], query: str, expected: str) -> None:
        found = list(beneficiary_search(Beneficiary.objects.all(), query))
        assert found and found[0] == people[expected], [str(b) for b in found]

    def test_file_number(self, people: dict[str, Beneficiary]) -> None:
        number = people["diallo"].file_number
        assert list(beneficiary_search(Beneficiary.objects.all(), number.lower())) == [
            people["diallo"]
        ]

    def test_no_match(self, people: dict[str, Beneficiary]) -> None:
        assert not beneficiary_search(Beneficiary.objects.all(), "zzyzx").exists()

    def test_obligation_status_filter(
        self, login_client: Any, coordinator: User, people: dict[str, Beneficiary]
    ) -> None:
        Beneficiary.objects.filter(pk=people["diallo"].pk).update(obligation_status="exempt")
        page = (
            login_client(coordinator)
            .post(reverse("beneficiaries:list"), {"obligation_status": "exempt"})
            .content.decode()
        )
        assert "DIALLO" in page and "HADDAD" not in page


def test_a_role_that_may_not_edit_learns_nothing_from_the_edit_page(
    reception: User, outsider: User, login_client: Any
) -> None:
    """403 for a file of its offices and for one elsewhere alike (never 404 vs 403)."""
    own = BeneficiaryFactory(office=reception.offices.first())
    elsewhere = BeneficiaryFactory(office=outsider.offices.first())
    client = login_client(reception)
    for beneficiary in (own, elsewhere):
        url = reverse("beneficiaries:update", args=[beneficiary.pk])
        assert client.get(url).status_code == 403


def test_a_missing_date_asks_to_complete_never_says_not_concerned(client_cw: Any) -> None:
    response = client_cw.post(reverse("beneficiaries:create"), registration(permit_ordered_on=""))
    beneficiary = Beneficiary.objects.get(last_name="El Amrani")
    assert beneficiary.obligation_status == "incomplete"
    assessment = ObligationAssessment.objects.get(beneficiary=beneficiary)
    assert assessment.status == "incomplete" and assessment.missing == ["permit_ordered_on"]
    page = client_cw.get(response["Location"]).content.decode()
    assert "À compléter" in page and "Pas concerné" not in page
    assert "Date de commande du premier titre de séjour de plus de trois mois" in page


def test_family_of_an_eu_citizen_needs_the_free_movement_answer(client_cw: Any) -> None:
    refused = client_cw.post(reverse("beneficiaries:create"), registration(eu_family_member="on"))
    page = refused.content.decode()
    assert refused.status_code == 200 and "exercé sa libre circulation" in page
    assert 'value="El Amrani"' in page  # nothing typed is lost
    client_cw.post(
        reverse("beneficiaries:create"),
        registration(eu_family_member="on", eu_family_free_movement="false"),
    )
    spouse = Beneficiary.objects.get(last_name="El Amrani")
    assert spouse.eu_family_free_movement is False
    assert spouse.obligation_status == "obliged"  # a Belgian's spouse who never moved


def test_three_years_in_flanders_before_wallonia_means_not_concerned(client_cw: Any) -> None:
    client_cw.post(
        reverse("beneficiaries:create"),
        registration(stay_started_on="2022-01-15", first_registration_on="2026-06-02"),
    )
    moved = Beneficiary.objects.get(last_name="El Amrani")
    assert moved.obligation_status == "not_concerned"
    assessment = ObligationAssessment.objects.get(beneficiary=moved)
    assert assessment.reasons == ["long_stay"]
    refused = client_cw.post(
        reverse("beneficiaries:update", args=[moved.pk]),
        registration(stay_started_on="2026-07-01", first_registration_on="2026-06-02"),
    )
    assert "au plus tard à l&#x27;inscription en Wallonie" in refused.content.decode()


def test_the_permit_type_sets_what_it_implies(client_cw: Any) -> None:
    client_cw.post(reverse("beneficiaries:create"), registration(permit_type="A_TP"))
    ukrainian = Beneficiary.objects.get(last_name="El Amrani")
    assert ukrainian.temporary_protection and ukrainian.obligation_status == "exempt"
    refused = client_cw.post(
        reverse("beneficiaries:create"), registration(last_name="Bensaïd", permit_type="F")
    )
    assert "exercé sa libre circulation" in refused.content.decode()  # an F card asks
    # The family link needs its proof, like an exemption: refused without it, typed kept.
    refused = client_cw.post(
        reverse("beneficiaries:create"),
        registration(last_name="Bensaïd", permit_type="F", eu_family_free_movement="true"),
    )
    assert "preuve du lien familial" in refused.content.decode()
    assert 'value="Bensaïd"' in refused.content.decode()
    assert not Beneficiary.objects.filter(last_name="Bensaïd").exists()
    proof = SimpleUploadedFile("acte.pdf", b"%PDF-1.4 acte de mariage\n%%EOF\n", "application/pdf")
    client_cw.post(
        reverse("beneficiaries:create"),
        registration(
            last_name="Bensaïd",
            permit_type="F",
            eu_family_free_movement="true",
            eu_family_proof=proof,
        ),
    )
    family = Beneficiary.objects.get(last_name="Bensaïd")
    assert family.eu_family_member and family.obligation_status == "not_concerned"
    download = client_cw.get(reverse("beneficiaries:family-proof", args=[family.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 acte de mariage\n%%EOF\n"


def test_kosovo_stateless_and_a_second_nationality(client_cw: Any) -> None:
    client_cw.post(reverse("beneficiaries:create"), registration(nationality="XK"))
    kosovar = Beneficiary.objects.get(last_name="El Amrani")
    assert kosovar.obligation_status == "obliged"
    assert (
        "Kosovo"
        in client_cw.get(reverse("beneficiaries:detail", args=[kosovar.pk])).content.decode()
    )
    client_cw.post(
        reverse("beneficiaries:create"),
        registration(last_name="Ivanova", nationality="XS", second_nationality="FR"),
    )
    dual = Beneficiary.objects.get(last_name="Ivanova")
    assert dual.obligation_status == "not_concerned"  # a French second nationality


def test_a_renewal_is_recorded_apart_and_never_moves_the_first_permit(
    client_cw: Any, reception: User, login_client: Any
) -> None:
    client_cw.post(reverse("beneficiaries:create"), registration())
    beneficiary = Beneficiary.objects.get(last_name="El Amrani")
    deadline = ObligationAssessment.objects.get(beneficiary=beneficiary).attestation_deadline
    url = reverse("beneficiaries:renewal-add", args=[beneficiary.pk])
    refused = client_cw.post(url, {"permit_type": "B", "ordered_on": "2026-06-01"})
    page = refused.content.decode()
    assert refused.status_code == 400 and "Un renouvellement suit le premier titre" in page
    assert 'value="2026-06-01"' in page  # what was typed stays
    client_cw.post(
        url, {"permit_type": "B", "ordered_on": "2026-11-02", "valid_until": "2031-11-01"}
    )
    beneficiary.refresh_from_db()
    assert beneficiary.permit_ordered_on == date(2026, 6, 20)  # the first permit stays
    assert beneficiary.permit_renewals.get().ordered_on == date(2026, 11, 2)
    assert ObligationAssessment.objects.filter(beneficiary=beneficiary).count() == 1
    assert ObligationAssessment.objects.get().attestation_deadline == deadline
    page = client_cw.get(reverse("beneficiaries:detail", args=[beneficiary.pk])).content
    assert "Commandé le 02/11/2026" in page.decode()
    assert login_client(reception).post(url, {}).status_code == 403


def test_an_older_family_file_without_proof_can_still_be_edited(client_cw: Any) -> None:
    """The proof is asked when the status is claimed, not on every later edit."""
    client_cw.post(reverse("beneficiaries:create"), registration())
    person = Beneficiary.objects.get(last_name="El Amrani")
    Beneficiary.objects.filter(pk=person.pk).update(
        eu_family_member=True, eu_family_free_movement=True
    )
    family = {"eu_family_member": "on", "eu_family_free_movement": "true"}
    response = client_cw.post(
        reverse("beneficiaries:update", args=[person.pk]),
        registration(phone="081 71 35 18", **family),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == "+3281713518"
    page = client_cw.get(reverse("beneficiaries:detail", args=[person.pk])).content.decode()
    assert "preuve du lien familial manquante" in page


def test_reception_reads_every_exemption_alike(
    login_client: Any, reception: User, caseworker: User
) -> None:
    """Naming only the medical exemption « confidential » would name it: reception reads
    the same words for a medical exemption and a job, and no reason typed by anyone."""
    import re

    from beneficiaries.services import exemption_record

    pages = {}
    for code, notes in (("medical", "Pathologie lourde"), ("employment", "CDI mi-temps")):
        person = BeneficiaryFactory(
            last_name=f"Personne-{code}",
            first_registration_on=date(2026, 6, 2),
            permit_ordered_on=date(2026, 6, 20),
        )
        exemption_record(
            beneficiary=person, code=code, proven_on=date(2026, 7, 1), notes=notes, by=caseworker
        )
        page = login_client(reception).get(reverse("beneficiaries:detail", args=[person.pk]))
        pages[code] = page.content.decode()
    for code, page in pages.items():
        for secret in ("médical", "Travail", "Pathologie", "CDI", "confidentiel", "mi-temps"):
            assert secret not in page, (code, secret)
        assert page.count("Dispense prouvée : son motif") == 2  # the outcome, the card

    def obligation_and_history(page: str) -> str:
        card = page[page.index('id="obligation"') : page.index('id="dispenses"')]
        card = re.sub(r"\d{2}/\d{2}/\d{4}( \d{2}:\d{2})?", "", card)
        return card

    assert obligation_and_history(pages["medical"]) == obligation_and_history(pages["employment"])


def test_a_removed_exemption_leaves_no_document_nor_notes_behind(
    login_client: Any,
    caseworker: User,
    settings: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Issue 13: its certificate goes from the disk, and its history rows keep neither the
    document's reference nor the notes."""
    from beneficiaries.models import ExemptionEvent

    settings.MEDIA_ROOT = tmp_path
    client = login_client(caseworker)
    person = BeneficiaryFactory()
    pdf = SimpleUploadedFile("certificat.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    client.post(
        reverse("beneficiaries:exemption-add", args=[person.pk]),
        {"code": "medical", "proven_on": "2026-08-01", "notes": "Pathologie lourde", "proof": pdf},
    )
    exemption = Exemption.objects.get(beneficiary=person)
    stored = tmp_path / exemption.proof.name
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("beneficiaries:exemption-delete", args=[person.pk, exemption.pk]))
    assert not Exemption.objects.filter(pk=exemption.pk).exists()
    assert not stored.exists()
    rows = ExemptionEvent.objects.filter(pgh_obj_id=exemption.pk)
    assert rows.exists()
    assert not rows.exclude(proof="").exists() and not rows.exclude(notes="").exists()
