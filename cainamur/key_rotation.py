"""Key rotation (``manage.py rotate_keys``): everything encrypted with an older key of
``CAI_DATA_KEYS`` is re-encrypted with the first, every blind index recomputed with the
current ``CAI_INDEX_KEY``, and every stored file re-written encrypted (older clear files
included).

Found by their fields, in every model (history tables included): ``EncryptedTextField``,
``BlindIndexField``, and the JSON keys a model lists in ``ENCRYPTED_JSON`` (``{"snapshot":
("national_number_encrypted",)}``). Rows are rewritten with the tables' own triggers ignored
(``pgtrigger.ignore``: a rotation changes no data, so nothing is recorded in the history,
and frozen rows stay frozen in meaning).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pgtrigger
from cryptography.fernet import InvalidToken
from django.apps import apps
from django.core.files.storage import default_storage
from django.db import connection, models, transaction

from cainamur.crypto import (
    BlindIndexField,
    EncryptedStorageMixin,
    EncryptedTextField,
    decrypt_text,
    needs_rotation,
    rotate_text,
)
from cainamur.lib.triggers import triggers_of

BATCH = 2000


class RotationError(Exception):
    """A value no key of CAI_DATA_KEYS can read: nothing is changed."""


@dataclass
class RotationReport:
    #: table -> rows rewritten (or to rewrite, in a dry run)
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    files_seen: int = 0


def _specs(model: type[models.Model]) -> tuple[list[Any], list[Any], dict[str, tuple[str, ...]]]:
    fields = model._meta.concrete_fields
    encrypted = [f for f in fields if isinstance(f, EncryptedTextField)]
    indexes = [f for f in fields if isinstance(f, BlindIndexField)]
    json_keys: dict[str, tuple[str, ...]] = getattr(model, "ENCRYPTED_JSON", {})
    return encrypted, indexes, json_keys


def _rotated(token: str | None) -> str | None:
    if not token or not needs_rotation(token.encode()):
        return None
    return rotate_text(token)


def _row_changes(
    row: dict[str, Any],
    encrypted: list[Any],
    indexes: list[Any],
    json_keys: dict[str, tuple[str, ...]],
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for enc in encrypted:
        new = _rotated(row[enc.column])
        if new is not None:
            changes[enc.column] = new
    by_name = {f.name: f for f in encrypted}
    for index in indexes:
        token = row[by_name[index.source].column]
        wanted = index.index_of(decrypt_text(token)) if token else None
        if wanted != row[index.column]:
            changes[index.column] = wanted
    for column, keys in json_keys.items():
        value = row[column]
        data = json.loads(value) if isinstance(value, str) else value
        if not isinstance(data, dict):
            continue
        touched = False
        for key in keys:
            new = _rotated(data.get(key))
            if new is not None:
                data[key] = new
                touched = True
        if touched:
            changes[column] = json.dumps(data)
    return changes


def _rotate_table(model: type[models.Model], *, dry_run: bool) -> int:
    encrypted, indexes, json_keys = _specs(model)
    if not encrypted and not json_keys:
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
    pk = model._meta.pk.column
    columns = [pk, *(f.column for f in encrypted), *(f.column for f in indexes), *json_keys]
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    rewritten = 0
    triggers = triggers_of([model])
    with transaction.atomic(), pgtrigger.ignore(*triggers), connection.cursor() as cursor:
        last: Any = None
        while True:
            where = "" if last is None else f"WHERE {connection.ops.quote_name(pk)} > %s"
            cursor.execute(
                f"SELECT {names} FROM {table} {where} "  # noqa: S608  # names from the models
                f"ORDER BY {connection.ops.quote_name(pk)} LIMIT {BATCH}",
                [] if last is None else [last],
            )
            batch = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
            if not batch:
                break
            last = batch[-1][pk]
            for row in batch:
                try:
                    changes = _row_changes(row, encrypted, indexes, json_keys)
                except (InvalidToken, ValueError) as error:
                    raise RotationError(
                        f"{model._meta.db_table} (id {row[pk]}) : valeur illisible avec les "
                        "clés de CAI_DATA_KEYS (une ancienne clé manque-t-elle ?)"
                    ) from error
                if not changes:
                    continue
                rewritten += 1
                if dry_run:
                    continue
                assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in changes)
                cursor.execute(
                    f"UPDATE {table} SET {assignments} "  # noqa: S608  # names from the models
                    f"WHERE {connection.ops.quote_name(pk)} = %s",
                    [*changes.values(), row[pk]],
                )
    return rewritten


def _rotate_files(report: RotationReport, *, dry_run: bool) -> None:
    storage = default_storage
    if not isinstance(storage, EncryptedStorageMixin):
        return
    for name in storage.stored_names():
        report.files_seen += 1
        try:
            changed = storage.needs_rewrite(name) if dry_run else storage.encrypt_in_place(name)
        except InvalidToken as error:
            raise RotationError(
                f"{name} : fichier illisible avec les clés de CAI_DATA_KEYS"
            ) from error
        report.files += int(changed)


def rotate_all(*, dry_run: bool = False) -> RotationReport:
    report = RotationReport()
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        count = _rotate_table(model, dry_run=dry_run)
        if count:
            report.rows[model._meta.db_table] = count
    _rotate_files(report, dry_run=dry_run)
    return report
