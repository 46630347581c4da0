"""The register of processing (GDPR art. 30): each model holding personal data, with its
category, purpose, legal basis, retention and who can see it. ``manage.py
privacy_register`` writes ``docs/privacy.md`` from this table and from the models' own
fields; a test checks that every model of the project is either here or declared as
holding no personal data, and that the document is up to date.

Retention periods are those the centre starts with; administrators change them in the
admin (« Durées de conservation ») and the nightly task ``rights.tasks.retention_nightly``
applies them (``manage.py retention --dry-run`` shows what it would do).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from django.apps import apps

from cainamur.roles import Role

R, C, K, A = Role.RECEPTION, Role.CASEWORKER, Role.COORDINATOR, Role.ADMINISTRATOR

LEGAL_OBLIGATION: Final = (
    "Legal obligation and public task (GDPR art. 6(1)(c) and (e)): CWASS art. 150–154, "
    "CRWASS art. 238 ff."
)
HEALTH: Final = "Art. 9(2)(g) and (h): public interest in the integration path, proof of exemption"
SECURITY: Final = "Legitimate interest and art. 32 (security of processing, accountability)"
CONSENT: Final = (
    "Consent (GDPR art. 6(1)(a)), withdrawable at any time (art. 7(3)); the record itself: "
    "art. 7(1), the controller shows the person agreed"
)
FILE_RETENTION: Final = "10 years after the attestation or the closing of the file"


@dataclass(frozen=True)
class Entry:
    category: str
    purpose: str
    legal_basis: str
    retention: str
    roles: tuple[Role, ...]


REGISTER: Final[dict[str, Entry]] = {
    "beneficiaries.Beneficiary": Entry(
        "Identity, contact, residence and stay, national register number (encrypted, found "
        "by a keyed index), CPAS support",
        "Run the integration path; decide the obligation; reach the person",
        LEGAL_OBLIGATION,
        FILE_RETENTION + "; a registration rejected or abandoned: 1 year",
        (R, C, K),
    ),
    "beneficiaries.Exemption": Entry(
        "Proven exemptions and their documents (a medical one is health data)",
        "Decide the obligation",
        f"{LEGAL_OBLIGATION}; {HEALTH}",
        FILE_RETENTION,
        (C, K),
    ),
    "beneficiaries.PermitRenewal": Entry(
        "Renewals of the residence permit",
        "Keep the first permit order",
        LEGAL_OBLIGATION,
        FILE_RETENTION,
        (R, C, K),
    ),
    "beneficiaries.Consent": Entry(
        "Consents given and withdrawn beyond what the path requires (SMS reminders, sharing "
        "with a named operator, photo): date, channel, who recorded them",
        "Do only what the person agreed to, and stop when they withdraw",
        CONSENT,
        FILE_RETENTION,
        (R, C, K),
    ),
    "parcours.ObligationAssessment": Entry(
        "Each assessment of the obligation with the facts it read",
        "Show how it was decided",
        LEGAL_OBLIGATION,
        FILE_RETENTION,
        (R, C, K),
    ),
    "parcours.Parcours": Entry(
        "The path, its status and deadlines",
        "Run the path",
        LEGAL_OBLIGATION,
        FILE_RETENTION,
        (R, C, K),
    ),
    "parcours.WelcomeModule": Entry(
        "Social assessment, needs, French level, notes",
        "Run the welcome module",
        LEGAL_OBLIGATION,
        FILE_RETENTION,
        (C, K),
    ),
    "parcours.Convention": Entry(
        "The signed convention and its amendments",
        "Contract of the path",
        LEGAL_OBLIGATION,
        FILE_RETENTION,
        (C, K),
    ),
    "parcours.Axis": Entry(
        "Axes of the path and their operators",
        "Follow the training",
        LEGAL_OBLIGATION,
        FILE_RETENTION,
        (R, C, K),
    ),
    "parcours.HoursEntry": Entry(
        "Hours attended",
        "Follow the training",
        LEGAL_OBLIGATION,
        FILE_RETENTION,
        (C, K),
    ),
    "reporting.HoursSummary": Entry(
        "Hours attended added up per axis and month, quarter and year (file and axis ids, "
        "no name), kept from the hours ledger",
        "Show the dashboard's training figures quickly",
        LEGAL_OBLIGATION,
        "As long as the ledger lines they add up (recomputed from them each night)",
        (K,),
    ),
    "reporting.FileFacts": Entry(
        "What the dashboard counts of each file, by file id, no name, number or contact: "
        "office, commune, caseworker, sex, nationality, birth date, opening and first "
        "contact dates, obligation outcome and its exemption reasons (a medical one is "
        "health data), the stages reached (path, welcome module, convention, attestation: "
        "yes or no); kept from the file, its assessments, paths, welcome modules, "
        "conventions and attestations; the birth date whole for the age bands on a "
        "period's last day; only ever shown added up",
        "Show the dashboard's figures and funnel quickly",
        f"{LEGAL_OBLIGATION}; {HEALTH}",
        "As long as the file (removed with it; recomputed from it each night)",
        (K,),
    ),
    "parcours.Extension": Entry(
        "The Minister's extensions and their reasons",
        "Move the deadline",
        LEGAL_OBLIGATION,
        FILE_RETENTION,
        (C, K),
    ),
    "parcours.Suspension": Entry(
        "Pauses of the path and their reasons (possibly health)",
        "Follow the path",
        f"{LEGAL_OBLIGATION}; {HEALTH}",
        FILE_RETENTION,
        (C, K),
    ),
    "parcours.Evaluation": Entry(
        "Evaluation interviews, attendance, absences and their reasons",
        "Evaluate every six months",
        LEGAL_OBLIGATION,
        FILE_RETENTION,
        (C, K),
    ),
    "parcours.EvaluationInvitation": Entry(
        "Invitations and their proof of sending",
        "Evidence for the Region",
        LEGAL_OBLIGATION,
        FILE_RETENTION,
        (C, K),
    ),
    "parcours.ForceMajeure": Entry(
        "Force majeure periods, reasons and certificates (possibly health)",
        "Stop the presentation clock",
        f"{LEGAL_OBLIGATION}; {HEALTH}",
        FILE_RETENTION,
        (C, K),
    ),
    "operators.Orientation": Entry(
        "Orientations to operators, waiting lists",
        "Provide the training; evidence of places",
        LEGAL_OBLIGATION,
        FILE_RETENTION,
        (C, K),
    ),
    "operators.ReportSubmission": Entry(
        "Hours declared by operators, with the address they came from",
        "Follow the training",
        LEGAL_OBLIGATION,
        FILE_RETENTION,
        (C, K),
    ),
    "operators.CreditedPeriod": Entry(
        "Periods declared per person",
        "Refuse double declarations",
        LEGAL_OBLIGATION,
        FILE_RETENTION,
        (C, K),
    ),
    "attestations.Attestation": Entry(
        "Attestations and their register (number, date, status)",
        "Deliver the attestation; copies to the commune and the CPAS",
        LEGAL_OBLIGATION,
        "The register entry is kept; the person's data as the file",
        (C, K),
    ),
    "outbox.Dispatch": Entry(
        "Messages sent (copies, confirmations, reminders, notices) and their recipients",
        "Send what the law or the person asks",
        LEGAL_OBLIGATION,
        FILE_RETENTION,
        (C, K),
    ),
    "compliance.NonCompliance": Entry(
        "Non-compliance files and the report sent to the Region",
        "Report breaches to the sanctioning officer",
        LEGAL_OBLIGATION,
        FILE_RETENTION,
        (K,),
    ),
    "appointments.Appointment": Entry(
        "Appointments, remarks, interpreter",
        "Receive the person",
        LEGAL_OBLIGATION,
        "2 years",
        (R, C, K),
    ),
    "appointments.Seat": Entry(
        "Places in group sessions",
        "Receive the person",
        LEGAL_OBLIGATION,
        "2 years",
        (R, C, K),
    ),
    "appointments.OnlineBooking": Entry(
        "Welcome modules booked by the person online (/rdv/): name, phone, e-mail, language, "
        "interpreter, postal code, register number if typed (encrypted), reception's decision "
        "and message",
        "Receive the person who booked; link the booking to their file",
        "Public task (GDPR art. 6(1)(e)): CWASS art. 150-154, at the person's request",
        "2 years, with its appointments",
        (R, C, K),
    ),
    "appointments.BookingLink": Entry(
        "Digests of the private links sent to move or cancel an online booking",
        "Let the person move or cancel without an account",
        "Public task (GDPR art. 6(1)(e))",
        "With the booking; a link works until its appointment",
        (),
    ),
    "beneficiaries.PersonalPageLink": Entry(
        "Digests of the links to the person's own page and their expiry",
        "Let the person see their path without an account",
        "Public task (GDPR art. 6(1)(e))",
        "With the file; a link works 30 days (CAI_PERSONAL_PAGE_DAYS)",
        (),
    ),
    "reception.Callback": Entry(
        "Call-back messages (name, phone, subject)",
        "Call people back",
        LEGAL_OBLIGATION,
        "2 years",
        (R, C, K),
    ),
    "reception.CallbackAttempt": Entry(
        "Call-back attempts",
        "Call people back",
        LEGAL_OBLIGATION,
        "2 years",
        (R, C, K),
    ),
    "reception.QueueTicket": Entry(
        "Walk-in tickets (name, time)",
        "Run the permanence",
        LEGAL_OBLIGATION,
        "2 years",
        (R, C, K),
    ),
    "cainamur.User": Entry(
        "Staff accounts: name, e-mail, roles, offices",
        "Give and check access",
        SECURITY,
        "While employed, then 1 year",
        (A,),
    ),
    "cainamur.AuditEvent": Entry(
        "Who changed what, when, in which file",
        "Accountability (art. 5(2))",
        SECURITY,
        FILE_RETENTION,
        (R, C, K),
    ),
    "cainamur.ReadEvent": Entry(
        "Who opened, downloaded, revealed, searched or exported what, from which address",
        "Accountability (art. 5(2)), detect misuse",
        SECURITY,
        "5 years",
        (K,),
    ),
    "cainamur.Export": Entry(
        "The export log (who exported which list, its filters without the search's text, "
        "how many rows) and, for a large export, its file (the list's personal data) and "
        "its parameters (encrypted, erased once built)",
        "Give staff their lists for partner meetings; accountability for what left the application",
        f"{LEGAL_OBLIGATION}; {SECURITY}",
        "The file: CAI_EXPORT_DAYS (7 days by default); the log line: 5 years",
        (K,),
    ),
    "cainamur.ReadAlert": Entry(
        "Unusual readings by an account",
        "Detect misuse",
        SECURITY,
        "5 years",
        (K,),
    ),
    "appointments.CalendarFeed": Entry(
        "Staff calendar feeds (token digest)",
        "Staff agendas",
        SECURITY,
        "While employed",
        (R, C, K),
    ),
    "beneficiaries.TranslationReview": Entry(
        "Which member of staff reviewed which translation of the texts sent to people, "
        "and when (no newcomer's data)",
        "Send people only translations someone who reads the language has checked",
        "Legitimate interest (the quality of what the centre writes to people)",
        "As long as an administrator keeps it (deleted: the text is « à relire » again)",
        (A,),
    ),
    "offices.StaffAvailability": Entry(
        "Staff weekly availability",
        "Book appointments",
        SECURITY,
        "While employed",
        (A,),
    ),
    "offices.Absence": Entry(
        "Staff absences (dates only)",
        "Book appointments",
        SECURITY,
        "2 years",
        (A,),
    ),
    "rights.LegalHold": Entry(
        "Legal hold on a file, with its reason",
        "Keep a file needed for a dispute or a court beyond its retention period",
        "Legal obligation and legitimate interest (GDPR art. 17(3)(e))",
        "Until lifted",
        (K,),
    ),
    "imports.ImportBatch": Entry(
        "Lists of newly registered foreigners sent by communes (the file, encrypted, and "
        "each line's outcome: name, file number, reason); who imported them",
        "Open the files of the people a commune registered, without typing them again; "
        "show what was imported and why a line was not",
        LEGAL_OBLIGATION,
        FILE_RETENTION + " for the report; the list's file: 30 days after its import, at once "
        "when abandoned (a list not confirmed within 7 days is abandoned)",
        (K,),
    ),
    "rights.Anonymisation": Entry(
        "Which file was anonymised, when, by whom and why",
        "Answer for an erasure or a retention run (accountability, art. 5(2))",
        SECURITY,
        FILE_RETENTION,
        (K, A),
    ),
    "bulk.BulkAction": Entry(
        "Actions on several files at once (assignment, invitation to the welcome module, "
        "group session): who asked, the choices made (ids only), the invitation letters "
        "as one PDF (names and postal addresses, encrypted at rest)",
        "Run the integration path for many people at once; show what was done",
        LEGAL_OBLIGATION,
        FILE_RETENTION + "; the letters' PDF: CAI_EXPORT_DAYS after the action (built "
        "again on demand)",
        (C, K),
    ),
    "bulk.BulkItem": Entry(
        "Per file of a bulk action: done or refused, and why (a fixed French sentence)",
        "Show what a bulk action did to each file (accountability, art. 5(2))",
        LEGAL_OBLIGATION,
        FILE_RETENTION,
        (C, K),
    ),
}

#: Models that hold no personal data (reference data, settings, counters, operators as
#: organisations, tokens stored as digests).
NOT_PERSONAL: Final = frozenset(
    {
        "cainamur.Centre",
        "cainamur.WorkerHeartbeat",
        "cainamur.FailureCount",
        "offices.Office",
        "offices.OpeningHours",
        "offices.Room",
        "offices.Closure",
        "appointments.AppointmentType",
        "reception.Permanence",
        "beneficiaries.Commune",
        "beneficiaries.Cpas",
        "beneficiaries.FileNumberCounter",
        "parcours.RulesConfig",
        "operators.Operator",
        "operators.Offer",
        "operators.ReportingLink",
        "attestations.AttestationCounter",
        "rights.RetentionRule",
        "rights.RetentionRun",
        # Counts only, small ones hidden (« < 5 »): no person can be told apart.
        "reporting.ActivityReport",
        # Appointments counted per day, office, type, language and status: no person.
        "reporting.AppointmentDay",
        # Which column of a commune's file holds which field: headers only.
        "imports.CommuneMapping",
    }
)


def render_register() -> str:
    """``docs/privacy.md``: the table above, with each model's fields read from the code."""

    def sentence(text: str) -> str:
        return text if text.endswith(".") else text + "."

    lines = [
        "# Register of processing (GDPR art. 30)",
        "",
        "Generated by `python manage.py privacy_register` from `cainamur/privacy.py` and the",
        "models' fields; a test fails when a model is missing or this file is out of date.",
        "Controller: the Centre d'Action Interculturelle de la province de Namur (CAI).",
        "History tables (`*Event`, django-pghistory) hold earlier versions of the same rows,",
        "with the same retention. Retention periods are the centre's defaults; administrators",
        "change them in the admin, and a nightly task anonymises or deletes what has expired",
        "(`manage.py retention --dry-run` shows what it would do; a legal hold on a file",
        "suspends it).",
        "",
    ]
    for label in sorted(REGISTER):
        entry = REGISTER[label]
        model = apps.get_model(label)
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if f.name != "id" and not f.name.endswith("_sha256")
        ]
        roles = ", ".join(str(role.label) for role in entry.roles)
        lines += [
            f"## {model._meta.verbose_name} (`{label}`)",
            "",
            f"- **Data**: {sentence(entry.category)}",
            f"- **Fields**: {', '.join(f'`{name}`' for name in fields)}.",
            f"- **Purpose**: {sentence(entry.purpose)}",
            f"- **Legal basis**: {sentence(entry.legal_basis)}",
            f"- **Retention**: {sentence(entry.retention)}",
            f"- **Who can see it**: {roles}.",
            "",
        ]
    lines += [
        "## Models without personal data",
        "",
        ", ".join(f"`{label}`" for label in sorted(NOT_PERSONAL)) + ".",
        "",
    ]
    return "\n".join(lines)
