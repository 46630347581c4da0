from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from beneficiaries.models import Commune
from cainamur.uploads import TooLargeUpload, max_bytes
from imports import communes
from imports.tables import ACCEPT_ATTRIBUTE, TableError, kind_of


class TableFileField(forms.FileField):
    """A CSV or XLSX table within the size limit, recognised by its content (an XLSX is a
    zip, a CSV is text without markup), whatever its declared type says."""

    default_error_messages = {
        "too_large": _("Le fichier dépasse %(limit)s Mo."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.widget.attrs["accept"] = ACCEPT_ATTRIBUTE

    def to_python(self, data: Any) -> Any:
        if isinstance(data, TooLargeUpload) or (
            isinstance(data, UploadedFile) and (data.size or 0) > max_bytes()
        ):
            raise forms.ValidationError(
                self.error_messages["too_large"],
                code="too_large",
                params={"limit": settings.CAI_UPLOAD_MAX_MB},
            )
        upload = super().to_python(data)
        if upload is not None:
            upload.seek(0)
            head = upload.read(2048)
            upload.seek(0)
            try:
                kind_of(upload.name or "", head)
            except TableError as error:
                raise forms.ValidationError(str(error), code="invalid") from error
        return upload


class CommuneUploadForm(forms.Form):
    commune = forms.ModelChoiceField(
        label=_("Commune"),
        queryset=Commune.objects.all(),
        empty_label=_("— Choisir —"),
        help_text=_("La commune qui envoie la liste (par défaut, celle de chaque personne)."),
    )
    file = TableFileField(
        label=_("Liste des personnes inscrites (CSV ou XLSX)"),
        help_text=_("La première ligne donne les noms des colonnes."),
    )


class ColumnsForm(forms.Form):
    """Which column of the file holds each field (remembered for the commune)."""

    def __init__(self, *args: Any, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— Pas dans le fichier —")), *[(h, h) for h in headers if h]]
        for item in communes.FIELDS:
            self.fields[item.name] = forms.ChoiceField(
                label=item.label,
                choices=choices,
                required=item.required,
                error_messages={"required": _("Choisissez la colonne qui contient ce champ.")},
            )
            self.fields[item.name].widget.attrs["class"] = "form-select"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        used: dict[str, str] = {}
        for name, header in cleaned.items():
            if not header:
                continue
            if header in used:
                self.add_error(
                    name,
                    _("Cette colonne est déjà choisie pour « %(field)s ».")
                    % {"field": self.fields[used[header]].label},
                )
            used[header] = name
        return cleaned

    def columns(self) -> dict[str, str]:
        return {name: header for name, header in self.cleaned_data.items() if header}


class AttendanceUploadForm(forms.Form):
    file = TableFileField(
        label=_("Feuille de présence (XLSX)"),
        help_text=_(
            "Le modèle rempli : une ligne par personne et par période (Dossier, Du, Au, Heures)."
        ),
    )
