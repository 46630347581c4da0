"""Demo data for a first look and for benchmarks: ``manage.py seed_demo``."""

from __future__ import annotations

import random
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from decimal import Decimal as D
from typing import Any

import pgtrigger
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import DateTimeField, F, Func, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.text import slugify
from django_otp.plugins.otp_totp.models import TOTPDevice
from stdnum.be import nn

from appointments import services as booking
from appointments.models import Appointment, AppointmentType
from appointments.selectors import slot_search
from attestations.services import attestation_issue
from beneficiaries.models import (
    Beneficiary,
    Commune,
    Consent,
    ConsentChannel,
    ConsentPurpose,
    Cpas,
    PermitType,
    Sex,
)
from beneficiaries.services import file_numbers_reserve
from cainamur.models import User
from cainamur.roles import Role
from cainamur.services import user_set_roles
from demo.bulk import copy_dicts
from demo.data import (
    COUNTRY_WEIGHTS,
    DEMO_CASEWORKERS,
    DEMO_DEVICE_NAME,
    DEMO_TOTP_KEY_HEX,
    DEMO_TOTP_SECRET,
    NAMES_BY_COUNTRY,
)
from offices.models import Office, OpeningHours, Room, StaffAvailability
from operators.models import Offer, Operator
from parcours import path_rules, rules, services
from parcours.models import ObligationAssessment, Parcours, RulesConfig
from parcours.services import facts_json

#: The share of each office's welcome modules people may book online in the demo (%).
DEMO_ONLINE_SHARE = 34

# username, password, role, first name, last name, office codes. Documented in the README.
DEMO_LOGINS: tuple[tuple[str, str, Role, str, str, tuple[str, ...]], ...] = (
    ("accueil", "demo-accueil-cai", Role.RECEPTION, "Léa", "Martin", ("namur", "andenne")),
    ("accompagnement", "demo-accompagnement-cai", Role.CASEWORKER, "Claire", "Dubois", ("namur",)),
    ("coordination", "demo-coordination-cai", Role.COORDINATOR, "Hélène", "Jacquet", ()),
    ("admin", "demo-admin-cai", Role.ADMINISTRATOR, "Pierre", "Lemaire", ()),
)
BATCH_SIZE = 5_000
DEMO_PATHS = 30
# Communes left without an e-mail address in the demo (their copies wait for one).
WITHOUT_ADDRESS = ("Cerfontaine", "Doische", "Viroinval")


class Command(BaseCommand):
    help = (
        "Crée les comptes de démonstration (un par rôle) et des dossiers fictifs. "
        "Idempotent ; refusé hors du mode développement (DJANGO_DEBUG=1)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--beneficiaries",
            type=int,
            default=240,
            help="Nombre total de dossiers souhaité (par défaut 240 ; jusqu'à 100 000).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Graine du hasard.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo crée des comptes aux mots de passe publics : il ne fonctionne "
                "qu'en mode développement (DJANGO_DEBUG=1)."
            )
        wanted: int = options["beneficiaries"]
        if wanted < 0:
            raise CommandError("--beneficiaries doit être positif ou nul.")
        rng = random.Random(options["seed"])  # noqa: S311 (demo data, not secrets)
        started = time.monotonic()
        begun = timezone.now()
        with transaction.atomic():
            caseworkers_by_office = self._staff()
        created = self._beneficiaries(wanted, rng, caseworkers_by_office)
        self._addresses()
        paths = self._paths(rng)
        self._presentations()
        self._openings(since=begun)
        self._calendars(caseworkers_by_office, rng)
        self._operators()
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"{created} dossier(s) créé(s), {Beneficiary.objects.count()} au total, "
                f"{paths} parcours de démonstration ({elapsed:.1f} s)."
            )
        )
        self.stdout.write("Comptes de démonstration (identifiant / mot de passe) :")
        for username, password, role, *_ in DEMO_LOGINS:
            self.stdout.write(f"  {role.label:<15} {username:<16} {password}")
        self.stdout.write(
            f"Double authentification : la clé {DEMO_TOTP_SECRET} dans une application "
            "d'authentification, ou le code du moment : "
            "DJANGO_DEBUG=1 .venv/bin/python manage.py demo_code"
        )

    def _presentations(self) -> None:
        """Most obliged people came to the centre in time: their first contact is set three
        weeks before their deadline (or when their path opened, if earlier), except a
        handful of files without a path (one in twenty), which show in the coordinators'
        « Manquements ». Demo rows, not edits: no history event."""
        today = timezone.localdate()
        first_path = (
            Parcours.objects.filter(beneficiary=OuterRef("pk"))
            .order_by("opened_on")
            .values("opened_on")[:1]
        )
        with transaction.atomic(), pgtrigger.ignore("beneficiaries.Beneficiary:update_update"):
            Beneficiary.objects.exists()
            (
                Beneficiary.objects.filter(obligation_status="obliged", presented_on__isnull=True)
                .annotate(bucket=F("id") % 20, opened=Subquery(first_path))
                .filter(Q(presentation_deadline__lt=today) | Q(opened__isnull=False))
                .exclude(Q(bucket=7) & Q(opened__isnull=True))
                .update(
                    presented_on=Least(
                        F("presentation_deadline") - timedelta(days=21), Subquery(first_path)
                    )
                )
            )

    def _openings(self, since: datetime) -> None:
        """The files were opened when the person first came to the centre (or their path
        opened, if earlier), else three weeks after their registration in the commune, at
        half past nine in Brussels; never later than now. Spread over the past months, the
        dashboard's « Dossiers ouverts » per month mean something (a file created today
        by the command would all fall this month). Files created before ``since`` are kept."""
        now = timezone.now()
        first_path = (
            Parcours.objects.filter(beneficiary=OuterRef("pk"))
            .order_by("opened_on")
            .values("opened_on")[:1]
        )
        opened_on = Least(
            Coalesce("presented_on", F("first_registration_on") + timedelta(days=21)),
            Subquery(first_path),
        )
        opening = Func(  # the day at 09:30 in Brussels, as a moment
            Value(settings.TIME_ZONE),
            Func(opened_on, template="(%(expressions)s + time '09:30')"),
            function="timezone",
            output_field=DateTimeField(),
        )
        with transaction.atomic(), pgtrigger.ignore("beneficiaries.Beneficiary:update_update"):
            Beneficiary.objects.exists()
            (
                Beneficiary.objects.filter(created_at__gte=since)
                .annotate(opening=opening)
                .filter(opening__lt=now)
                .update(created_at=F("opening"))
            )

    def _calendars(self, caseworkers_by_office: dict[int, list[User]], rng: random.Random) -> None:
        """Each demo caseworker is present during their office's reception hours; the
        Namur caseworker has a few appointments in the coming days and a rights-and-duties
        session with places left. Only once."""

        # The public pages (/rdv/) offer a third of each office's welcome modules.
        Office.objects.filter(online_share=0).update(online_share=DEMO_ONLINE_SHARE)
        if StaffAvailability.objects.exists():
            return
        for office_id, people in caseworkers_by_office.items():
            hours = OpeningHours.objects.filter(office_id=office_id, kind="reception")
            for person in people:
                StaffAvailability.objects.bulk_create(
                    StaffAvailability(
                        staff=person,
                        office_id=office_id,
                        weekday=h.weekday,
                        starts=h.opens,
                        ends=h.closes,
                    )
                    for h in hours
                )
        if Appointment.objects.exists():
            return
        caseworker = get_user_model().objects.get(username="accompagnement")
        namur = Office.objects.get(code="namur")
        today = timezone.localdate()
        files = list(
            Beneficiary.objects.filter(office=namur).order_by("id").values_list("id", flat=True)
        )
        kinds = list(
            AppointmentType.objects.filter(
                is_group=False, code__in=["welcome", "evaluation", "social_assessment"]
            )
        )
        free = slot_search(
            office=namur, kind=kinds[0], first=today, last=today + timedelta(days=7), limit=60
        )
        # As many bookings as there are files and free slots, ten at most.
        for file_id, slot in zip(files, free[::5][:10], strict=False):
            try:
                booking.appointment_book(
                    beneficiary=Beneficiary.objects.get(pk=file_id),
                    kind=rng.choice(kinds),
                    office=namur,
                    staff_id=slot.staff_id,
                    start=slot.start,
                    by=caseworker,
                )
            except booking.BookingError:
                continue  # a longer type did not fit there: fine for a demo
        rights = AppointmentType.objects.get(code="rights_duties")
        session_slots = slot_search(
            office=namur,
            kind=rights,
            first=today + timedelta(days=2),
            last=today + timedelta(days=16),
            limit=1,
        )
        if session_slots:
            session = booking.session_create(
                kind=rights,
                office=namur,
                staff_id=session_slots[0].staff_id,
                room=Room.objects.get(office=namur, name="Salle de réunion"),
                start=session_slots[0].start,
                by=caseworker,
            )
            for file_id in files[20:25]:
                booking.seat_book(
                    session=session, beneficiary=Beneficiary.objects.get(pk=file_id), by=caseworker
                )

    def _operators(self) -> None:
        """A few partner operators and their offers (demo names). Only once."""

        if Operator.objects.exists():
            return
        # name, kind, families, languages, offers (title, axis, level, communes, hours,
        # capacity, taken, languages, schedule)
        catalogue = [
            (
                "ILI Namur-Ville (démo)",
                "ili",
                ["citizenship", "french"],
                ["fr", "ar"],
                [
                    (
                        "Formation à la citoyenneté (60 h)",
                        "citizenship",
                        "",
                        ["Namur"],
                        60,
                        15,
                        11,
                        ["fr", "ar"],
                        "lundi et jeudi 9 h–12 h",
                    ),
                    (
                        "Citoyenneté en arabe",
                        "citizenship",
                        "",
                        ["Namur", "Andenne"],
                        60,
                        12,
                        12,
                        ["ar"],
                        "mardi 13 h–16 h",
                    ),
                ],
            ),
            (
                "École de promotion sociale de Namur (démo)",
                "school",
                ["french"],
                ["fr"],
                [
                    (
                        "Français langue étrangère A1",
                        "french",
                        "A1",
                        ["Namur"],
                        240,
                        20,
                        18,
                        ["fr"],
                        "du lundi au jeudi 18 h–21 h",
                    ),
                    (
                        "Français langue étrangère A2",
                        "french",
                        "A2",
                        ["Namur", "Gembloux"],
                        240,
                        20,
                        20,
                        ["fr"],
                        "mardi et jeudi 9 h–12 h",
                    ),
                ],
            ),
            (
                "Maison de l'emploi de Dinant (démo)",
                "public",
                ["isp"],
                ["fr", "en"],
                [
                    (
                        "Séance d'orientation socioprofessionnelle",
                        "orientation",
                        "",
                        ["Dinant", "Ciney"],
                        4,
                        10,
                        3,
                        ["fr", "en"],
                        "un mercredi par mois",
                    ),
                ],
            ),
            (
                "Association interculturelle de Philippeville (démo)",
                "education",
                ["citizenship", "interculturality"],
                ["fr", "uk", "ru"],
                [
                    (
                        "Citoyenneté en ukrainien",
                        "citizenship",
                        "",
                        ["Philippeville", "Couvin"],
                        60,
                        12,
                        4,
                        ["uk"],
                        "vendredi 9 h–15 h",
                    ),
                ],
            ),
        ]
        for name, kind, families, languages, offers in catalogue:
            operator = Operator.objects.create(
                name=name, kind=kind, families=families, languages=languages, phone="081 00 00 00"
            )
            for title, axis, level, communes, hours, capacity, taken, langs, schedule in offers:
                offer = Offer.objects.create(
                    operator=operator,
                    title=title,
                    axis=axis,
                    level=level,
                    hours=D(hours),
                    capacity=capacity,
                    taken=taken,
                    languages=langs,
                    schedule=schedule,
                    start_on=date(2027, 1, 11),
                    end_on=date(2027, 6, 25),
                )
                offer.communes.set(Commune.objects.filter(name__in=communes))

    def _addresses(self) -> None:
        """Demo addresses for the copies of attestations, except a few communes and CPAS,
        so that « adresse manquante » can be seen and fixed."""

        for commune in Commune.objects.filter(population_email="").exclude(
            name__in=WITHOUT_ADDRESS
        ):
            commune.population_email = f"population.{slugify(commune.name)}@demo.cainamur.be"
            commune.save(update_fields=["population_email"])
        for cpas in Cpas.objects.filter(email="").exclude(commune__name__in=WITHOUT_ADDRESS):
            cpas.email = f"cpas.{slugify(cpas.commune.name)}@demo.cainamur.be"
            cpas.save(update_fields=["email"])

    def _paths(self, rng: random.Random) -> int:
        """Paths at every stage on a few dozen obliged files (through the real services,
        so the timeline and documents are those of real use). Only once."""
        if Parcours.objects.exists():
            return 0

        caseworker = get_user_model().objects.get(username="accompagnement")
        today = timezone.localdate()
        files = list(
            Beneficiary.objects.filter(obligation_status="obliged", caseworker=caseworker).order_by(
                "id"
            )[: DEMO_PATHS * 2]
        )
        made = 0
        for beneficiary in files:
            if made == DEMO_PATHS:
                break
            index = made
            stage = index % 5
            # A completed path has had the time its hours take (a day holds 10 at most).
            opened = today - timedelta(days=rng.randint(20, 200) + (100 if stage == 4 else 0))
            try:
                parcours = services.parcours_open(beneficiary=beneficiary, by=caseworker, on=opened)
            except services.PathError:
                continue  # obliged today but not yet that day (an 18th birthday since): next
            made += 1
            if stage == 0:
                continue  # welcome module to run
            welcome_on = opened + timedelta(days=7)
            services.welcome_update(
                parcours=parcours,
                by=caseworker,
                data={
                    "social_assessment_on": welcome_on,
                    "rights_duties_on": welcome_on,
                    "french_test_on": welcome_on,
                    "french_level": rng.choice(["below_a1", "a1", "a2_plus"]),
                    "wants_orientation": rng.random() < 0.4,
                },
            )
            if stage == 1:
                continue  # convention to sign
            welcome = parcours.welcome
            welcome.refresh_from_db()
            french = welcome.french_level != "a2_plus"
            services.convention_sign(
                parcours=parcours,
                by=caseworker,
                signed_on=welcome_on,
                start_on=welcome_on,
                citizenship_hours=path_rules.CITIZENSHIP_HOURS,
                french_required=french,
                french_hours=path_rules.FRENCH_HOURS,
                orientation_required=welcome.wants_orientation,
                orientation_hours=path_rules.ORIENTATION_HOURS,
            )
            done = {2: Decimal("12"), 3: Decimal("45"), 4: Decimal("60")}[stage]
            for axis in parcours.axes.exclude(status="not_required"):
                hours = min(done if axis.kind == "citizenship" else done * 3, axis.required_hours)
                if stage == 4:
                    hours = axis.required_hours
                # The hours followed since the convention, as one line for the period.
                services.hours_record(
                    axis=axis,
                    on=today,
                    first_day=welcome_on,
                    hours=hours,
                    by=caseworker,
                    note="Démonstration",
                )
            if stage == 4 and index % 10 == 9:
                # Half of the completed paths have their attestation (and its copies).

                parcours.refresh_from_db()
                attestation_issue(parcours=parcours, by=caseworker)
        return made

    def _staff(self) -> dict[int, list[User]]:
        offices = {office.code: office for office in Office.objects.all()}
        for username, password, role, first, last, office_codes in DEMO_LOGINS:
            user, _ = User.objects.update_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@demo.cainamur.be",
                    "is_staff": role == Role.ADMINISTRATOR,
                    "is_active": True,
                },
            )
            user.set_password(password)
            user.save(update_fields=["password"])
            # The second factor of every demo login: the documented demo secret (README).
            TOTPDevice.objects.update_or_create(
                user=user,
                name=DEMO_DEVICE_NAME,
                defaults={"key": DEMO_TOTP_KEY_HEX, "confirmed": True},
            )
            user_set_roles(user=user, roles=[role])
            user.offices.set([offices[code] for code in office_codes])
        caseworkers: dict[int, list[User]] = {}
        for code, (first, last) in DEMO_CASEWORKERS.items():
            office = offices[code]
            if code == "namur":
                user = User.objects.get(username="accompagnement")
            else:
                user, created = User.objects.get_or_create(
                    username=f"{first}.{last}".lower(),
                    defaults={
                        "first_name": first,
                        "last_name": last,
                        "email": f"{first}.{last}@demo.cainamur.be".lower(),
                    },
                )
                if created:
                    user.set_unusable_password()  # a file holder, not a demo login
                    user.save(update_fields=["password"])
                user_set_roles(user=user, roles=[Role.CASEWORKER])
                user.offices.set([office])
            caseworkers[office.id] = [user]
        return caseworkers

    def _beneficiaries(
        self, wanted: int, rng: random.Random, caseworkers: dict[int, list[User]]
    ) -> int:
        missing = wanted - Beneficiary.objects.count()
        if missing <= 0:
            return 0
        communes = list(Commune.objects.select_related("office", "cpas"))
        # Namur and the larger towns see most newcomers.
        commune_weights = [
            12 if c.name == "Namur" else 3 if c.office.code == c.name.lower() else 1
            for c in communes
        ]
        config = RulesConfig.current()
        standstill = frozenset(config.standstill_nationalities)
        today = timezone.localdate()
        used_numbers = set(
            Beneficiary.objects.exclude(national_number=None).values_list(
                "national_number", flat=True
            )
        )
        created = 0
        while created < missing:
            size = min(BATCH_SIZE, missing - created)
            with transaction.atomic():
                with connection.cursor() as cursor:
                    # Demo data: no need to wait for the disk on each commit.
                    cursor.execute("SET LOCAL synchronous_commit = off")
                numbers = file_numbers_reserve(year=today.year, count=size)
                files = [
                    self._fake_file(
                        number, rng, communes, commune_weights, caseworkers, today, used_numbers
                    )
                    for number in numbers
                ]
                results = []
                for row in files:
                    result = rules.assess_obligation(
                        facts_of(row),
                        today,
                        regime_2024_start=config.regime_2024_start,
                        standstill_nationalities=standstill,
                    )
                    row["obligation_status"] = result.status
                    row["presentation_deadline"] = result.presentation_deadline
                    results.append(result)
                # COPY (100,000 rows in seconds), without a history event per demo row:
                # any query inside pgtrigger.ignore() marks the transaction for the trigger.
                with pgtrigger.ignore("beneficiaries.Beneficiary:insert_insert"):
                    Beneficiary.objects.exists()
                    copy_dicts(Beneficiary, files)
                ids = dict(
                    Beneficiary.objects.filter(file_number__in=numbers).values_list(
                        "file_number", "id"
                    )
                )
                copy_dicts(Consent, demo_consents(files, ids, rng, today))
                standstill_list = sorted(standstill)
                copy_dicts(
                    ObligationAssessment,
                    [
                        {
                            "beneficiary_id": ids[row["file_number"]],
                            "assessed_on": today,
                            "trigger": "Données de démonstration",
                            "facts": facts_json(facts_of(row)),
                            "regime_2024_start": config.regime_2024_start,
                            "standstill_nationalities": standstill_list,
                            "status": result.status,
                            "reasons": list(result.reasons),
                            "regime": result.regime or "",
                            "presentation_deadline": result.presentation_deadline,
                            "attestation_deadline": result.attestation_deadline,
                        }
                        for row, result in zip(files, results, strict=True)
                    ],
                )
            created += size
            if missing > BATCH_SIZE:
                self.stdout.write(f"  {created}/{missing}…")
        with connection.cursor() as cursor:
            # Fresh planner statistics after a bulk load (autovacuum would, a bit later).
            cursor.execute(f"ANALYZE {Beneficiary._meta.db_table}")
            cursor.execute(f"ANALYZE {ObligationAssessment._meta.db_table}")
            cursor.execute(f"ANALYZE {Consent._meta.db_table}")
        return created

    def _fake_file(
        self,
        number: str,
        rng: random.Random,
        communes: list[Commune],
        commune_weights: list[int],
        caseworkers: dict[int, list[User]],
        today: date,
        used_numbers: set[str],
    ) -> dict[str, Any]:
        country = rng.choices(COUNTRIES, COUNTRY_WEIGHT_LIST)[0]
        female_names, male_names, last_names = NAMES_BY_COUNTRY[country]
        sex = Sex.FEMALE if rng.random() < 0.52 else Sex.MALE
        first_pool = female_names if sex == Sex.FEMALE else male_names
        first_names = rng.choice(first_pool)
        if rng.random() < 0.3:
            first_names += " " + rng.choice(first_pool)
        commune = rng.choices(communes, commune_weights)[0]
        birth_date = today - timedelta(days=rng.randint(17 * 365, 67 * 365))
        days_here = rng.randint(10, 540)
        registered = today - timedelta(days=days_here)
        ordered: date | None = min(registered + timedelta(days=rng.randint(0, 120)), today)
        if days_here % 40 == 0:
            ordered = None  # a few files wait for the permit's date: « à compléter »
        ukrainian = country == "UA"
        cpas_support = rng.random() < 0.35
        return {
            "file_number": number,
            "last_name": rng.choice(last_names),
            "first_names": first_names,
            "sex": sex,
            "birth_date": birth_date,
            "nationality": country,
            "national_number": demo_national_number(birth_date, sex, rng, used_numbers),
            "postal_code": rng.choice(commune.postal_codes),
            "commune_id": commune.pk,
            "office_id": commune.office_id,
            "caseworker_id": (
                rng.choice(caseworkers[commune.office_id]).pk if rng.random() < 0.85 else None
            ),
            "languages": DEMO_LANGUAGES.get(country, ["en"]),
            "first_registration_on": registered,
            "permit_type": PermitType.A_TEMPORARY
            if ukrainian
            else rng.choice([PermitType.A, PermitType.A, PermitType.B, PermitType.K]),
            "permit_ordered_on": ordered,
            "temporary_protection": ukrainian,
            "cpas_support": cpas_support,
            "cpas_id": commune.cpas.pk if cpas_support else None,
            # Most newcomers have a Belgian mobile number (demo numbers, never dialled:
            # development writes SMS to files).
            "phone": f"+324{rng.choice('6789')}{rng.randint(0, 9_999_999):07d}"
            if rng.random() < 0.8
            else "",
        }


COUNTRIES = list(COUNTRY_WEIGHTS)
COUNTRY_WEIGHT_LIST = list(COUNTRY_WEIGHTS.values())


def facts_of(row: dict[str, Any]) -> rules.PersonFacts:
    """The rules' facts for a demo row (no exemptions are declared on demo files)."""
    return rules.PersonFacts(
        birth_date=row["birth_date"],
        nationality=row["nationality"],
        first_registration_on=row["first_registration_on"],
        permit_ordered_on=row["permit_ordered_on"],
        temporary_protection=row["temporary_protection"],
    )


# Of the files with a mobile number and a caseworker, the share that agreed to SMS
# reminders at the welcome interview, and of those, the share that later withdrew it.
SMS_CONSENT_SHARE = 0.7
SMS_WITHDRAWN_SHARE = 0.04
CONSENT_CHANNELS = (
    (ConsentChannel.PAPER, 70),
    (ConsentChannel.ORAL, 25),
    (ConsentChannel.ONLINE, 5),
)


def demo_consents(
    files: list[dict[str, Any]], ids: dict[str, int], rng: random.Random, today: date
) -> list[dict[str, Any]]:
    """SMS consents for demo files with a mobile number, recorded by their caseworker a
    few weeks after the person arrived; a few withdrawn since (rows for ``copy_dicts``)."""
    channels = [channel for channel, _weight in CONSENT_CHANNELS]
    weights = [weight for _channel, weight in CONSENT_CHANNELS]
    now = timezone.now()
    rows = []
    for row in files:
        if not row["phone"] or not row["caseworker_id"] or rng.random() >= SMS_CONSENT_SHARE:
            continue
        given_on = min(row["first_registration_on"] + timedelta(days=rng.randint(7, 60)), today)
        consent: dict[str, Any] = {
            "beneficiary_id": ids[row["file_number"]],
            "purpose": ConsentPurpose.SMS_REMINDERS,
            "given_on": given_on,
            "channel": rng.choices(channels, weights)[0],
            "recorded_by_id": row["caseworker_id"],
        }
        if rng.random() < SMS_WITHDRAWN_SHARE:
            consent |= {
                "withdrawn_on": given_on + (today - given_on) * rng.randint(1, 9) // 10,
                "withdrawn_channel": ConsentChannel.ORAL,
                "withdrawn_by_id": row["caseworker_id"],
                "withdrawn_at": now,
            }
        rows.append(consent)
    return rows


def demo_national_number(birth: date, sex: str, rng: random.Random, used: set[str]) -> str | None:
    """A register number that passes the official check (mod 97) and agrees with the birth
    date and the sex (an odd counter for a man, even for a woman), for demo files only."""
    for _attempt in range(20):
        counter = 2 * rng.randint(1, 498) - (1 if sex == Sex.MALE else 0)
        serial = f"{birth:%y%m%d}{counter:03d}"
        base = int(("2" if birth.year >= 2000 else "") + serial)
        number = f"{serial}{97 - base % 97:02d}"
        if nn.is_valid(number) and number not in used:
            used.add(number)
            return number
    return None


DEMO_LANGUAGES: dict[str, list[str]] = {
    "MA": ["ar", "ber", "fr"],
    "SY": ["ar"],
    "AF": ["fa", "ps"],
    "UA": ["uk", "ru"],
    "CD": ["fr", "ln"],
    "GN": ["fr", "ff"],
    "CM": ["fr", "en"],
    "ER": ["ti"],
    "TR": ["tr"],
    "BR": ["pt"],
    "RO": ["ro"],
    "IN": ["hi", "en"],
}
