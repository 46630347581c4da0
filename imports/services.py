"""Writes of the imports app: a file kept (encrypted) with its batch, its columns chosen
and remembered for the commune, its preview, then the confirmation that creates the new
files, all at once or none."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.models import Beneficiary, Commune
from beneficiaries.services import facts_changed, file_numbers_reserve
from cainamur import audit
from cainamur.celery import queue_on_commit
from cainamur.lib import plausible
from cainamur.models import AuditEvent, User
from imports import attendance, communes
from imports.models import CommuneMapping, ImportBatch
from imports.tables import Table, TableError, read_table
from operators.models import ReportingLink

logger = logging.getLogger(__name__)

#: Imports are confirmed one at a time: two lists holding the same person never both
#: create a file for them (a transaction-scoped advisory lock).
IMPORT_LOCK = 716_001
ASSESS_TASK = "imports.tasks.assess_imported"


#: Lines of a commune's list, at most: the preview and the confirmation run within the
#: request, which must end well before gunicorn's timeout (60 s). Measured with
#: ``bench.imports`` on the 2-core machine under load: 10,000 lines, upload and preview
#: 16.8 s, confirmation about 34 s; 20,000 lines, preview 31.2 s, confirmation about 77 s.
COMMUNE_MAX_ROWS = 10_000
#: The states in which a list's columns may still be chosen (again), and what doing so writes.
COLUMNS_OPEN = (ImportBatch.Status.MAPPING, ImportBatch.Status.PREVIEW)
COLUMNS_WRITES = (
    "columns",
    "status",
    "report",
    "rows_total",
    "new_count",
    "existing_count",
    "error_count",
    "seconds",
)


class ImportRefused(Exception):
    """A step refused, with a message for the user (French)."""


def _read(batch: ImportBatch) -> Table:
    with batch.source.open("rb") as handle:
        data = handle.read()
    return read_table(data, batch.source.name)


def commune_upload(*, data: bytes, filename: str, commune: Commune, by: User) -> ImportBatch:
    """Keep a commune's list (read once here: ``TableError`` if it is not a table) and
    suggest its columns: the commune's remembered ones, else the usual headers. A list
    longer than ``COMMUNE_MAX_ROWS`` is refused: it is analysed and confirmed within the
    request, which must end well before the server's timeout."""
    table = read_table(data, filename)
    if len(table.rows) > COMMUNE_MAX_ROWS:
        raise TableError(
            _("Découpez la liste : au plus %(max)s lignes par import.") % {"max": COMMUNE_MAX_ROWS}
        )
    mapping = CommuneMapping.objects.filter(commune=commune).first()
    with transaction.atomic():
        batch = ImportBatch(
            kind=ImportBatch.Kind.COMMUNE,
            commune=commune,
            filename=filename[-200:],
            sha256=hashlib.sha256(data).hexdigest(),
            headers=table.headers,
            columns=communes.guess_columns(table.headers, mapping.columns if mapping else None),
            rows_total=len(table.rows),
            created_by=by,
        )
        batch.source.save(filename, ContentFile(data), save=False)
        batch.save()
        audit.record(
            by=by,
            action="imports.upload",
            summary=_("Liste de %(commune)s déposée (%(rows)s lignes)")
            % {"commune": commune.name, "rows": batch.rows_total},
            obj=batch,
        )
    return batch


def previous_import(batch: ImportBatch) -> ImportBatch | None:
    """The same file, imported before (same content)."""
    return (
        ImportBatch.objects.filter(sha256=batch.sha256, status=ImportBatch.Status.DONE)
        .exclude(pk=batch.pk)
        .order_by("-confirmed_at")
        .first()
    )


def _store_report(batch: ImportBatch, lines: list[communes.Line]) -> None:
    batch.report = json.dumps([line.as_report() for line in lines], ensure_ascii=False)
    batch.rows_total = len(lines)
    batch.new_count = sum(1 for line in lines if line.status == communes.NEW)
    batch.existing_count = sum(1 for line in lines if line.status == communes.EXISTING)
    batch.error_count = sum(1 for line in lines if line.status == communes.ERROR)


def commune_columns(*, batch: ImportBatch, columns: dict[str, str], by: User) -> ImportBatch:
    """The columns chosen (field → header), remembered for the commune, and the preview:
    each line new, existing or in error. Nothing of the lines is written. The list is read
    unlocked (it takes seconds); the batch is then locked and its state checked again, so
    that a confirmation or an abandon meanwhile is never undone (back to « à confirmer »
    with its file deleted)."""
    if batch.status not in COLUMNS_OPEN:
        raise ImportRefused(_("Cet import est terminé."))
    missing = [f.label for f in communes.FIELDS if f.required and not columns.get(f.name)]
    if missing:
        raise ImportRefused(
            _("Choisissez la colonne de : %(fields)s.") % {"fields": ", ".join(map(str, missing))}
        )
    assert batch.commune is not None
    started = time.monotonic()
    try:
        table = _read(batch)
    except FileNotFoundError as error:  # abandoned meanwhile: its file is deleted
        raise ImportRefused(_("Cet import a déjà été confirmé ou abandonné.")) from error
    lines = communes.analyse(table, columns, default_commune=batch.commune)
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status not in COLUMNS_OPEN:
            raise ImportRefused(_("Cet import a déjà été confirmé ou abandonné."))
        CommuneMapping.objects.update_or_create(
            commune=batch.commune,
            defaults={
                # Every field, so that « not in the file » is remembered too.
                "columns": {name: columns.get(name, "") for name in communes.FIELD_NAMES},
                "updated_by": by,
            },
        )
        batch.columns = {name: header for name, header in columns.items() if header}
        batch.status = ImportBatch.Status.PREVIEW
        _store_report(batch, lines)
        batch.seconds = round(time.monotonic() - started, 2)
        batch.save(update_fields=[*COLUMNS_WRITES])
    return batch


def commune_confirm(*, batch: ImportBatch, by: User) -> ImportBatch:
    """Create the files of the « nouveau dossier » lines, in one transaction: all of them
    or, on any failure, none. The list is read again under the import lock, so a line
    that became a file since the preview (another list, a registration) is « dossier
    existant » now, and a second import of the same list creates nothing."""
    started = time.monotonic()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
        batch = (
            ImportBatch.objects.select_for_update(of=("self",))
            .select_related("commune__office")
            .get(pk=batch.pk)
        )
        if batch.status != ImportBatch.Status.PREVIEW:
            raise ImportRefused(_("Cet import a déjà été confirmé ou abandonné."))
        assert batch.commune is not None
        lines = communes.analyse(_read(batch), batch.columns, default_commune=batch.commune)
        created = _register_new(batch, lines, by=by)
        _store_report(batch, lines)
        batch.created_count = created
        batch.status = ImportBatch.Status.DONE
        batch.confirmed_by = by
        batch.confirmed_at = timezone.now()
        batch.seconds = round(time.monotonic() - started, 2)
        batch.save()
        audit.record(
            by=by,
            action="imports.confirm",
            summary=_(
                "Liste de %(commune)s importée : %(created)s dossiers créés, %(existing)s "
                "existants, %(errors)s lignes en erreur"
            )
            % {
                "commune": batch.commune.name,
                "created": created,
                "existing": batch.existing_count,
                "errors": batch.error_count,
            },
            obj=batch,
        )
    logger.info("Import batch %s confirmed by user %s: %s files", batch.pk, by.pk, created)
    return batch


def _register_new(batch: ImportBatch, lines: list[communes.Line], *, by: User) -> int:
    """Open the files of the new lines as ``beneficiary_register`` opens one, for the whole
    list at once (one file at a time costs some 14 queries: 5,000 lines would take minutes):
    file numbers reserved in one block, each file checked by the model's own rules
    (``full_clean``: fields, register number check digits, plausible dates; uniqueness of
    register numbers was checked for the whole list under the import lock, and the
    database's unique index stays the last word), the same audit line per file. The
    obligation is then assessed file by file by a task after the commit (the listeners of
    ``facts_changed``, as on a registration). Any refusal: nothing is written."""
    new = [line for line in lines if line.status == communes.NEW]
    if not new:
        return 0
    numbers = file_numbers_reserve(year=timezone.localdate().year, count=len(new))
    files = []
    for line, number in zip(new, numbers, strict=True):
        beneficiary = Beneficiary(**communes.registration_data(line), file_number=number)
        try:
            beneficiary.full_clean(
                exclude=["file_number", "commune", "office"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            problems = [m for found in error.message_dict.values() for m in found]
            raise ImportRefused(
                _("Ligne %(line)s : %(problem)s Rien n'a été importé.")
                % {"line": line.line, "problem": " ".join(problems)}
            ) from error
        if plausible.register_number_disagreements(
            beneficiary.national_number or "", birth=beneficiary.birth_date, sex=beneficiary.sex
        ):
            raise ImportRefused(
                _(
                    "Ligne %(line)s : le numéro de registre national ne correspond pas. Rien n'a "
                    "été importé."
                )
                % {"line": line.line}
            )
        files.append(beneficiary)
    Beneficiary.objects.bulk_create(files, batch_size=1000)
    now = timezone.now()
    kind = ContentType.objects.get_for_model(ImportBatch)
    AuditEvent.objects.bulk_create(
        (
            AuditEvent(
                at=now,
                actor=by,
                action="beneficiaries.beneficiary_register",
                summary=_("Dossier %(number)s ouvert") % {"number": beneficiary.file_number},
                beneficiary_id=beneficiary.pk,
                object_type=kind,
                object_id=batch.pk,
                data={"import": batch.pk, "line": line.line},
            )
            for line, beneficiary in zip(new, files, strict=True)
        ),
        batch_size=1000,
    )
    for line, beneficiary in zip(new, files, strict=True):
        line.beneficiary_id, line.file_number = beneficiary.pk, beneficiary.file_number
        line.reasons.append(_("Dossier créé."))
    queue_on_commit(ASSESS_TASK, batch.pk)
    return len(files)


def imported_assess(batch_id: int) -> int:
    """Assess the obligation of the files an import opened (the task's work), as a
    registration does (``facts_changed``). Safe to run twice: a file already assessed is
    skipped. Returns how many files were assessed."""
    batch = ImportBatch.objects.select_related("confirmed_by").get(pk=batch_id)
    by = batch.confirmed_by
    if by is None:  # not confirmed: nothing was opened
        return 0
    ids = [row["beneficiary"] for row in batch.rows() if row["status"] == communes.NEW]
    assessed = 0
    for start in range(0, len(ids), 500):
        chunk = (
            Beneficiary.objects.filter(pk__in=ids[start : start + 500])
            .exclude(assessments__isnull=False)
            .order_by("pk")
        )
        with transaction.atomic():  # one commit per chunk, not per file
            for beneficiary in chunk:
                facts_changed(
                    beneficiary=beneficiary,
                    by=by,
                    trigger=_("Ouverture du dossier (liste communale)"),
                )
                assessed += 1
    return assessed


def batch_abandon(*, batch: ImportBatch, by: User | None) -> bool:
    """Drop a batch not confirmed: its file is deleted, the batch stays listed."""
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status in (ImportBatch.Status.DONE, ImportBatch.Status.ABANDONED):
            return False
        name, storage = batch.source.name, batch.source.storage
        batch.status = ImportBatch.Status.ABANDONED
        batch.report = None
        batch.save(update_fields=["status", "report"])
        audit.record(by=by, action="imports.abandon", summary=_("Import abandonné"), obj=batch)
        transaction.on_commit(lambda: storage.delete(name))
    return True


def report_rows(batch: ImportBatch, *, status: str = "") -> list[dict[str, Any]]:
    rows = batch.rows()
    return [row for row in rows if row["status"] == status] if status else rows


# --- Operators' attendance sheets --------------------------------------------------------


def _store_attendance(batch: ImportBatch, outcome: attendance.Outcome) -> None:
    batch.report = json.dumps([line.as_report() for line in outcome.lines], ensure_ascii=False)
    batch.new_count = sum(1 for line in outcome.lines if line.status == attendance.OK)
    batch.existing_count = sum(1 for line in outcome.lines if line.status == attendance.ALREADY)
    batch.error_count = sum(1 for line in outcome.lines if line.status == attendance.ERROR)


def attendance_upload(*, data: bytes, filename: str, link: ReportingLink, ip: str) -> ImportBatch:
    """Keep an operator's sheet (sent through its link: no account) with its preview: the
    link's service run on each period and rolled back, so that each line says what the
    confirmation will do. ``TableError`` when the file is not a sheet of ours."""
    started = time.monotonic()
    table = read_table(data, filename)
    attendance.columns_of(table.headers)  # a missing column refuses the file at once
    outcome = attendance.run(link, table, ip=ip, commit=False)
    with transaction.atomic():
        batch = ImportBatch(
            kind=ImportBatch.Kind.ATTENDANCE,
            link=link,
            status=ImportBatch.Status.PREVIEW,
            filename=filename[-200:],
            sha256=hashlib.sha256(data).hexdigest(),
            headers=table.headers,
            rows_total=len(table.rows),
        )
        _store_attendance(batch, outcome)
        batch.seconds = round(time.monotonic() - started, 2)
        batch.source.save(filename, ContentFile(data), save=False)
        batch.save()
        audit.record(
            by=None,
            action="imports.attendance_upload",
            summary=_(
                "Feuille de présence déposée par %(operator)s pour « %(offer)s » (%(rows)s lignes)"
            )
            % {
                "operator": link.offer.operator.name,
                "offer": link.offer.title,
                "rows": batch.rows_total,
            },
            obj=batch,
            data={"link": link.pk, "ip": ip},
        )
    return batch


def attendance_confirm(*, batch: ImportBatch, ip: str) -> ImportBatch:
    """Record the sheet's good lines, in one transaction: the same calls to the link's
    service as the preview, kept this time (all of the good lines, or on any failure none);
    the lines in error are left aside. The link is locked first, so that the same sheet
    confirmed twice at once records once: the second finds the lines « déjà enregistré »."""
    started = time.monotonic()
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update(of=("self",)).get(pk=batch.pk)
        if batch.status != ImportBatch.Status.PREVIEW:
            raise ImportRefused(_("Cette feuille a déjà été confirmée ou abandonnée."))
        assert batch.link_id is not None
        link = (
            ReportingLink.objects.select_for_update(of=("self",))
            .select_related("offer__operator")
            .get(pk=batch.link_id)
        )
        outcome = attendance.run(link, _read(batch), ip=ip, commit=True)
        _store_attendance(batch, outcome)
        batch.created_count = batch.new_count
        batch.status = ImportBatch.Status.DONE
        batch.confirmed_at = timezone.now()
        batch.seconds = round(time.monotonic() - started, 2)
        batch.save()
        audit.record(
            by=None,
            action="imports.attendance_confirm",
            summary=_(
                "Feuille de présence de %(operator)s pour « %(offer)s » confirmée : "
                "%(recorded)s lignes enregistrées, %(already)s déjà enregistrées, "
                "%(errors)s en erreur"
            )
            % {
                "operator": link.offer.operator.name,
                "offer": link.offer.title,
                "recorded": batch.created_count,
                "already": batch.existing_count,
                "errors": batch.error_count,
            },
            obj=batch,
            data={"link": link.pk, "ip": ip, "submissions": outcome.submissions},
        )
    logger.info(
        "Attendance batch %s confirmed through link %s: %s lines",
        batch.pk,
        batch.link_id,
        batch.created_count,
    )
    return batch


def attendance_blank_lines(batch: ImportBatch) -> int:
    """Lines of the sheet without hours (not in the report)."""
    return max(0, batch.rows_total - len(batch.rows()))


#: A list confirmed is kept this long as the commune sent it (to check a line against it),
#: then only its report stays; a list never confirmed is abandoned after a week.
SOURCE_KEEP_DAYS = 30
PREVIEW_KEEP_DAYS = 7


def sources_expire(now: datetime | None = None) -> dict[str, int]:
    """Nightly: delete the files of lists confirmed more than ``SOURCE_KEEP_DAYS`` ago (the
    raw list holds register numbers; the batch keeps its report), and abandon the batches
    left unconfirmed more than ``PREVIEW_KEEP_DAYS`` (their file deleted)."""
    now = now or timezone.now()
    confirmed = ImportBatch.objects.filter(
        status=ImportBatch.Status.DONE, confirmed_at__lt=now - timedelta(days=SOURCE_KEEP_DAYS)
    ).exclude(source="")
    removed = 0
    for batch in confirmed.iterator():
        batch.source.delete(save=False)
        ImportBatch.objects.filter(pk=batch.pk).update(source="")
        removed += 1
    stale = ImportBatch.objects.filter(
        created_at__lt=now - timedelta(days=PREVIEW_KEEP_DAYS)
    ).exclude(status__in=[ImportBatch.Status.DONE, ImportBatch.Status.ABANDONED])
    abandoned = sum(1 for batch in stale.iterator() if batch_abandon(batch=batch, by=None))
    return {"sources_deleted": removed, "abandoned": abandoned}
