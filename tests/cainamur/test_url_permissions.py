"""Every URL, for every persona: anonymous -> login, wrong role -> 403, right role -> 200.

``URL_ROLES`` must name every URL of the project; ``test_every_url_is_listed`` fails when
a new view is added without being listed here.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cainamur.models import User

ALL = {"reception", "caseworker", "coordinator", "administrator", "outsider"}

# url name -> personas allowed (outsider is a caseworker of another office).
URL_ROLES: dict[str, set[str]] = {
    "home": ALL,
    "home-reception": {"reception"},
    "home-caseworker": {"caseworker", "outsider"},
    "home-coordinator": {"coordinator"},
    "home-administrator": {"administrator"},
    "beneficiaries:list": {"reception", "caseworker", "coordinator", "outsider"},
    "beneficiaries:create": {"reception", "caseworker", "coordinator", "outsider"},
    "attestations:register": {"coordinator"},
    "appointments:agenda": {"reception", "caseworker", "coordinator", "outsider"},
    "reception:callbacks": {"reception", "caseworker", "coordinator", "outsider"},
    "operators:offers": {"caseworker", "coordinator", "outsider"},
    "appointments:week": {"reception", "caseworker", "coordinator", "outsider"},
    "reception:permanences": {"reception", "caseworker", "coordinator", "outsider"},
    "appointments:mine": {"reception", "caseworker", "coordinator", "outsider"},
    "appointments:online-list": {"reception", "caseworker", "coordinator", "outsider"},
    "reception:callback-create": {"reception", "caseworker", "coordinator", "outsider"},
    "attestations:dispatches": {"coordinator"},
    "compliance:list": {"coordinator"},
    "read-log": {"coordinator"},
    "rights:retention": {"coordinator"},
    "reporting:dashboard": {"caseworker", "coordinator", "outsider"},
    "reporting:reports": {"coordinator"},
    "bulk:list": {"caseworker", "coordinator", "outsider"},
    "bulk:new": {"caseworker", "coordinator", "outsider"},
    "exports:journal": {"reception", "caseworker", "coordinator", "outsider"},
    "imports:batches": {"coordinator"},
    "imports:upload": {"coordinator"},
    "password_change": ALL,
    "account-security": ALL,
    "password_change_done": ALL,
}
# Reachable without logging in, on purpose.
PUBLIC = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "health",
    "attestations:verify",
    "operators:report",  # behind its secret token (tests/operators/test_links.py)
    # The operator's attendance sheet, behind the same token (tests/imports/test_attendance.py)
    "imports:attendance-upload",
    "imports:attendance-template",
    "imports:attendance-sheet",
    "imports:attendance-confirm",
    "imports:attendance-abandon",
    "appointments:ical",  # behind its secret token (tests/appointments/test_calendars.py)
    # The newcomers' own pages (tests/newcomers/test_online_booking.py); the booking's and
    # the personal page's behind their secret tokens.
    "public:home",
    "public:book",
    "public:booked",
    "public:callback",
    "public:manage",
    "public:renew",
    "public:my-path",
    "public:my-booking",
    "public:my-attestation",
}
# POST-only or tested separately (the coordinators' actions on one copy: tests/attestations).
SEPARATE = {
    "logout",
    "attestations:dispatch-resend",
    "attestations:dispatch-address",
    # Booking and agenda actions (query parameters, POSTs): tests/appointments/test_views.py
    "appointments:book",
    "appointments:book-confirm",
    "appointments:seat",
    "appointments:status",
    "appointments:seat-status",
    "appointments:session-plan",
    # Online bookings, by office (tests/newcomers/test_online_booking.py)
    "appointments:online",
    # Orientations (tests/operators/test_orientations.py)
    "operators:offer",
    "operators:propose",
    "operators:move",
    "operators:link-create",
    "operators:link-revoke",
    "reception:callback",
    "reception:callback-done",
    "appointments:ical-regenerate",
    "appointments:ical-revoke",
    "reception:queue",
    "reception:queue-arrival",
    "reception:queue-next",
    "reception:ticket-finish",
    "reception:ticket-left",
    "reception:ticket-link",
    # The read log's reveal of a register number (tests/cainamur/test_read_log.py)
    "beneficiaries:national-number",
    # « Rester connecté·e » (tests/cainamur/test_session_timeout.py)
    "session-keepalive",
    # The second factor's steps and passkeys (tests/cainamur/test_second_factor.py)
    "second-factor-verify",
    "second-factor-setup",
    "second-factor-backup-codes",
    "account-backup-codes",
    "account-passkey-delete",
    "otp_webauthn:credential-registration-begin",
    "otp_webauthn:credential-registration-complete",
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
    "otp_webauthn:js-i18n-catalog",
    # An activity report's progress and files (tests/reporting/test_reports.py)
    "reporting:report-state",
    # Exports (POST, and one's own export's pages): tests/cainamur/test_exports.py
    "exports:start",
    "exports:detail",
    "exports:download",
    "reporting:report-file",
    # A bulk action's result, progress and letters (tests/bulk/test_views.py)
    "bulk:detail",
    "bulk:state",
    "bulk:letters",
    "bulk:resume",  # POST: « Reprendre » a failed action (tests/bulk/test_safety.py)
    # A commune list's columns, preview, confirmation (tests/imports/test_views.py)
    "imports:batch",
    "imports:columns",
    "imports:confirm",
    "imports:abandon",
    # Non-compliance files (tests/compliance/test_views.py)
    "compliance:open",
    "compliance:case",
    "compliance:report",
    "compliance:sent",
    "compliance:outcome",
}


def _named_urls(resolver: URLResolver, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue  # the admin has its own gate, tested in test_admin_access
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names |= _named_urls(pattern, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(prefix + pattern.name)
    return names


# URLs of one file (a file of the Namur office): method, roles allowed, answer when allowed.
# The outsider holds an allowed role but works in Dinant: the file is a 404 for them.
FILE_ROLES = {"reception", "caseworker", "coordinator", "outsider"}
EDITORS = {"caseworker", "coordinator", "outsider"}
OBJECT_URLS: dict[str, tuple[str, set[str], int]] = {
    "beneficiaries:detail": ("get", FILE_ROLES, 200),
    "beneficiaries:update": ("get", EDITORS, 200),
    "parcours:reassess": ("post", EDITORS, 302),
    "beneficiaries:exemption-add": ("post", EDITORS, 400),  # empty form: refused
    "beneficiaries:renewal-add": ("post", EDITORS, 400),  # empty form: refused
    "beneficiaries:exemption-end": ("post", EDITORS, 400),  # empty form: refused
    "beneficiaries:exemption-delete": ("post", EDITORS, 302),
    "beneficiaries:exemption-proof": ("get", EDITORS, 200),
    "beneficiaries:family-proof": ("get", EDITORS, 200),
    "beneficiaries:consent-add": ("post", EDITORS, 400),  # empty form: refused
    "beneficiaries:consent-withdraw": ("post", EDITORS, 400),  # empty form: refused
    "parcours:open": ("post", EDITORS, 302),
    "parcours:invitation": ("post", EDITORS, 400),  # empty form: refused
    "parcours:invitation-letter": ("get", EDITORS, 200),
    "parcours:welcome": ("post", EDITORS, 302),
    "parcours:convention": ("post", EDITORS, 400),  # empty form: refused, page shown again
    "parcours:hours": ("post", EDITORS, 400),  # empty form: refused, page shown again
    "parcours:status": ("post", EDITORS, 302),
    "parcours:convention-pdf": ("get", EDITORS, 200),
    "parcours:convention-sheet": ("get", EDITORS, 200),
    "parcours:extension": ("post", EDITORS, 400),  # empty form: refused, page shown again
    "parcours:evaluation": ("post", EDITORS, 400),  # empty form: refused, page shown again
    "parcours:operator": ("post", EDITORS, 404),  # no such axis on that path
    "parcours:extension-document": ("get", EDITORS, 200),
    "parcours:convention-pdf-retry": ("post", EDITORS, 302),
    "parcours:force-majeure": ("post", EDITORS, 400),  # empty form: refused
    "parcours:force-majeure-document": ("get", EDITORS, 200),
    "attestations:issue": ("post", EDITORS, 302),  # refused (path not complete): message
    "attestations:pdf": ("get", EDITORS, 200),
    "attestations:cover-letter": ("get", EDITORS, 200),
    "attestations:pdf-retry": ("post", EDITORS, 302),
    "attestations:reissue": ("post", EDITORS, 302),
    "attestations:revoke": ("post", {"coordinator"}, 302),
    "attestations:resend": ("post", EDITORS, 302),
    "rights:export": ("get", {"coordinator"}, 200),
    "rights:anonymise": ("get", {"coordinator"}, 200),
    "rights:legal-hold": ("post", {"coordinator"}, 400),  # empty form: refused
    "rights:legal-hold-lift": ("post", {"coordinator"}, 404),  # no hold on that file
}


def _file_url(url_name: str, caseworker: User) -> str:
    from django.core.files.base import ContentFile

    from beneficiaries.models import Exemption
    from tests.factories import BeneficiaryFactory

    beneficiary = BeneficiaryFactory()  # Namur
    exemption = Exemption(
        beneficiary=beneficiary, code="employment", proven_on="2026-01-05", recorded_by=caseworker
    )
    exemption.proof.save("contrat.pdf", ContentFile(b"%PDF-1.4 demo"), save=False)
    exemption.save()
    beneficiary.eu_family_proof.save("mariage.pdf", ContentFile(b"%PDF-1.4 acte"), save=True)
    args: list[int] = [beneficiary.pk]
    if "exemption-" in url_name and url_name != "beneficiaries:exemption-add":
        args.append(exemption.pk)
    if url_name == "beneficiaries:consent-withdraw":
        from beneficiaries.models import Consent

        consent = Consent.objects.create(
            beneficiary=beneficiary,
            purpose="photo",
            given_on="2026-01-05",
            channel="oral",
            recorded_by=caseworker,
        )
        args.append(consent.pk)
    if url_name.startswith("parcours:"):
        from parcours.models import Convention
        from parcours.services import parcours_open

        parcours = parcours_open(beneficiary=beneficiary, by=caseworker, voluntary=True)
        convention = Convention(
            parcours=parcours,
            version=1,
            start_on="2026-10-01",
            signed_on="2026-10-01",
            signed_by=caseworker,
        )
        convention.pdf.save("convention.pdf", ContentFile(b"%PDF-1.4 demo"), save=False)
        convention.save()
        parcours.evaluations.create(due_on="2027-04-01")
        if url_name == "parcours:convention-pdf":
            args.append(convention.pk)
        if url_name == "parcours:extension-document":
            from parcours.models import Extension

            extension = Extension(
                parcours=parcours,
                deadline="attestation",
                decided_on="2026-10-02",
                new_end_on="2027-10-02",
                reason="Maladie",
                recorded_by=caseworker,
            )
            extension.document.save("decision.pdf", ContentFile(b"%PDF-1.4"), save=False)
            extension.save()
            args.append(extension.pk)
        if url_name == "parcours:convention-pdf-retry":
            args.append(convention.pk)
        if url_name == "parcours:force-majeure-document":
            from parcours.models import ForceMajeure

            record = ForceMajeure(
                beneficiary=beneficiary,
                start_on="2026-09-01",
                end_on="2026-09-30",
                reason="Hospitalisation",
                recorded_by=caseworker,
            )
            record.document.save("certificat.pdf", ContentFile(b"%PDF-1.4"), save=False)
            record.save()
            args.append(record.pk)
    if url_name.startswith("attestations:"):
        attestation, dispatch = _attestation(beneficiary, caseworker)
        if url_name == "attestations:resend":
            args.append(dispatch.pk)
        elif url_name != "attestations:issue":
            args.append(attestation.pk)
    return reverse(url_name, args=args)


def _attestation(beneficiary: Any, caseworker: User) -> tuple[Any, Any]:
    """An issued attestation (its PDF stored) with a failed copy, made directly."""
    from django.core.files.base import ContentFile

    from attestations.models import Attestation
    from outbox.models import Dispatch
    from parcours.services import parcours_open

    parcours = parcours_open(beneficiary=beneficiary, by=caseworker, voluntary=True)
    attestation = Attestation(
        number=f"CAI-ATT-2026-{beneficiary.pk:05d}",
        year=2026,
        sequence=beneficiary.pk,
        verification_code="ABCD-EFGH",
        parcours=parcours,
        beneficiary=beneficiary,
        kind="obliged",
        issued_on="2026-11-02",
        issued_by=caseworker,
        snapshot={},
        pdf_status="ready",
        pdf_sha256="0" * 64,
    )
    attestation.pdf.save("att.pdf", ContentFile(b"%PDF-1.4 demo"), save=False)
    attestation.save()
    dispatch = Dispatch.objects.create(
        purpose="attestation_copy",
        attestation=attestation,
        recipient_kind="commune",
        commune=beneficiary.commune,
        status="failed",
    )
    return attestation, dispatch


@pytest.mark.parametrize("url_name", sorted(OBJECT_URLS))
def test_file_urls_for_each_persona(
    login_client: Any,
    personas: dict[str, User],
    url_name: str,
    client: Any,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    method, allowed, success = OBJECT_URLS[url_name]
    url = _file_url(url_name, personas["caseworker"])
    response = getattr(client, method)(url)
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    for key, user in personas.items():
        url = _file_url(url_name, personas["caseworker"])  # a fresh file each time
        response = getattr(login_client(user), method)(url)
        if response.streaming:
            b"".join(response.streaming_content)  # read to the end: the test client closes the file
        if key not in allowed:
            expected = 403
        elif key == "outsider":
            expected = 404
        else:
            expected = success
        assert response.status_code == expected, (key, url_name, response.status_code)


def test_every_url_is_listed() -> None:
    listed = set(URL_ROLES) | set(OBJECT_URLS) | PUBLIC | SEPARATE
    assert _named_urls(get_resolver()) == listed


@pytest.mark.parametrize("url_name", sorted(URL_ROLES))
def test_anonymous_is_sent_to_login(client: Any, url_name: str, db: None) -> None:
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("url_name", sorted(URL_ROLES))
def test_each_persona(login_client: Any, personas: dict[str, User], url_name: str) -> None:
    for key, user in personas.items():
        response = login_client(user).get(reverse(url_name))
        allowed = key in URL_ROLES[url_name]
        expected = 403 if not allowed else 302 if url_name == "home" else 200
        assert response.status_code == expected, (key, url_name, response.status_code)


def test_403_page_is_french_and_friendly(login_client: Any, reception: User) -> None:
    response = login_client(reception).get(reverse("home-coordinator"))
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


def test_user_without_role_is_refused_everywhere(login_client: Any, db: None) -> None:
    from tests.factories import UserFactory

    nobody = UserFactory(username="sans.role")
    client = login_client(nobody)
    for url_name in URL_ROLES:
        assert client.get(reverse(url_name)).status_code == 403, url_name


@pytest.mark.parametrize(
    "url_name",
    sorted(
        PUBLIC
        - {"password_reset_confirm", "appointments:ical", "operators:report"}
        # Behind their tokens, or after a booking (tests/newcomers/test_online_booking.py)
        - {"public:booked", "public:manage", "public:my-path", "public:my-booking"}
        - {"public:my-attestation"}
        - {name for name in PUBLIC if name.startswith("imports:attendance-")}
    ),
)
def test_public_pages_answer_anonymous(client: Any, url_name: str, db: None) -> None:
    assert client.get(reverse(url_name)).status_code == 200


def test_admin_access(login_client: Any, personas: dict[str, User], client: Any) -> None:
    assert client.get("/admin/").status_code == 302
    for key, user in personas.items():
        response = login_client(user).get("/admin/")
        if key == "administrator":
            assert response.status_code == 200
        else:
            # Django's admin sends logged-in users without access to its own login page.
            assert response.status_code == 302
            assert response["Location"].startswith("/admin/login/")


def test_staff_flag_alone_does_not_open_the_admin(login_client: Any, caseworker: User) -> None:
    caseworker.is_staff = True
    caseworker.save()
    assert login_client(caseworker).get("/admin/").status_code == 302


def test_admin_pages_for_reference_data(login_client: Any, administrator: User) -> None:
    client = login_client(administrator)
    for url in (
        "/admin/beneficiaries/commune/",
        "/admin/beneficiaries/cpas/",
        "/admin/offices/office/",
        "/admin/cainamur/user/",
    ):
        assert client.get(url).status_code == 200, url


def test_administrators_cannot_grant_raw_privileges(
    login_client: Any, administrator: User, caseworker: User
) -> None:
    client = login_client(administrator)
    page = client.get(f"/admin/cainamur/user/{caseworker.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
    assert 'name="groups"' in page and 'name="offices"' in page


def test_staff_of_one_office_need_an_office(login_client: Any, administrator: User) -> None:
    from django.contrib.auth.models import Group

    client = login_client(administrator)
    response = client.post(
        "/admin/cainamur/user/add/",
        {
            "username": "nouvelle.referente",
            "first_name": "Nadia",
            "last_name": "Lemaire",
            "email": "n.lemaire@cainamur.test",
            "groups": [Group.objects.get(name="Accompagnement").pk],
            "password1": "Une-phrase-solide-2026",
            "password2": "Une-phrase-solide-2026",
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert "Choisissez au moins un bureau" in response.content.decode()
    assert not User.objects.filter(username="nouvelle.referente").exists()


def test_admin_shows_the_path_models_and_keeps_raw_history_to_superusers(
    login_client: Any, administrator: User
) -> None:
    client = login_client(administrator)
    for url in (
        "/admin/parcours/rulesconfig/",
        "/admin/parcours/suspension/",
        "/admin/beneficiaries/beneficiary/",
    ):
        assert client.get(url).status_code == 200, url
    # The raw change history holds whole register numbers: superusers only.
    assert client.get("/admin/pghistory/events/").status_code == 403
    page = client.get("/admin/parcours/rulesconfig/").content.decode()
    assert "TR" in page
    assert "1 janvier 2025" in page or "01/01/2025" in page


def test_admin_masks_the_register_number(login_client: Any, administrator: User) -> None:
    from tests.factories import BeneficiaryFactory

    beneficiary = BeneficiaryFactory(national_number="85073003328")
    page = (
        login_client(administrator)
        .get(f"/admin/beneficiaries/beneficiary/{beneficiary.pk}/change/")
        .content.decode()
    )
    assert "85.07.30-***.**" in page and "033.28" not in page and "85073003328" not in page
