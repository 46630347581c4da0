"""The choices of a bulk action (ids and codes only): the caseworker, the channel and
session of an invitation, the session to seat people in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appointments.messages import when_in_words
from appointments.models import Appointment, Seat
from bulk import services
from bulk.models import BulkAction
from cainamur.lib.name_order import by_name
from cainamur.models import User
from cainamur.roles import GROUP_NAMES, Role


def too_many_files() -> str:
    return _("Une action groupée porte sur %(max)s dossiers au plus : réduisez la sélection.") % {
        "max": f"{services.MAX_FILES:,}".replace(",", "\u202f")
    }


def _ids(text: str) -> list[int]:
    ids = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise forms.ValidationError(_("La sélection de dossiers n'est pas valide."))
        ids.append(int(part))
    return list(dict.fromkeys(ids))


class CaseworkerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        offices = ", ".join(office.name for office in obj.offices.all())
        return f"{obj.get_full_name()} ({offices})" if offices else obj.get_full_name()


class SessionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        free = max((obj.type.capacity or 0) - obj.taken, 0)
        return _("%(type)s — %(when)s, %(office)s (%(free)s places libres)") % {
            "type": obj.type.name,
            "when": when_in_words(obj.during.lower),
            "office": obj.office.name,
            "free": free,
        }


def future_sessions(office_ids: set[int]) -> QuerySet[Appointment]:
    """Group sessions still to come in these offices, with their seats taken."""
    return (
        Appointment.objects.filter(
            type__is_group=True,
            status=Appointment.Status.BOOKED,
            during__startswith__gt=timezone.now(),
            office__in=office_ids,
        )
        .select_related("type", "office")
        .annotate(
            taken=Count(
                "seats", filter=Q(seats__status__in=[Seat.Status.BOOKED, Seat.Status.ARRIVED])
            )
        )
        .order_by("during")
    )


class BulkForm(forms.Form):
    """One form for the three actions; the fields an action does not use are removed."""

    kind = forms.ChoiceField(choices=BulkAction.Kind.choices, widget=forms.HiddenInput)
    selection = forms.CharField(widget=forms.HiddenInput)
    caseworker = CaseworkerChoice(
        label=gettext_lazy("Référent·e"),
        queryset=get_user_model().objects.none(),
        help_text=gettext_lazy(
            "Un dossier d'un bureau où cette personne ne travaille pas est laissé tel quel."
        ),
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Envoi"),
        choices=BulkAction.Channel.choices,
        initial=BulkAction.Channel.BOTH,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "« Lettres et e-mails » : une lettre à qui a une adresse postale, un e-mail à qui "
            "a une adresse e-mail."
        ),
    )
    session = SessionChoice(
        label=gettext_lazy("Séance"),
        queryset=Appointment.objects.none(),
        empty_label=gettext_lazy("— Aucune : « prenez rendez-vous » —"),
    )

    reinvite = forms.BooleanField(label=gettext_lazy("Inviter à nouveau"), required=False)
    #: The confirmation's one-time token: sent twice, the form finds the action it asked
    #: for instead of asking for another.
    token = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, user: User, kind: str, office_ids: set[int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.action_kind = kind
        visible = office_ids if user.sees_all_offices else office_ids & set(user.office_ids)
        caseworker_field = self.fields["caseworker"]
        assert isinstance(caseworker_field, forms.ModelChoiceField)
        caseworker_field.queryset = (
            get_user_model()
            .objects.filter(
                is_active=True,
                groups__name=GROUP_NAMES[Role.CASEWORKER],
                offices__in=visible,
            )
            .distinct()
            .prefetch_related("offices")
            .order_by(*by_name("last_name", "first_name"), "id")
        )
        session_field = self.fields["session"]
        assert isinstance(session_field, forms.ModelChoiceField)
        session_field.queryset = future_sessions(visible)
        if kind == BulkAction.Kind.INVITE:
            self.fields["reinvite"].help_text = _(
                "Sans cette case, une personne déjà invitée ces %(days)s derniers jours est "
                "laissée de côté, avec la date de son invitation."
            ) % {"days": services.REINVITE_DAYS}
        else:
            del self.fields["reinvite"]
        if kind == BulkAction.Kind.ASSIGN:
            del self.fields["channel"], self.fields["session"]
        elif kind == BulkAction.Kind.INVITE:
            del self.fields["caseworker"]
            session_field.required = False
            session_field.label = gettext_lazy("Séance annoncée dans l'invitation")
            session_field.help_text = gettext_lazy(
                "Facultatif. La lettre annonce la séance ; les places se réservent avec "
                "l'action « Inscrire à une séance de groupe »."
            )
        else:
            del self.fields["caseworker"], self.fields["channel"]
            session_field.empty_label = None
            session_field.help_text = gettext_lazy(
                "Les séances de groupe à venir de vos bureaux, avec leurs places libres."
            )
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs["class"] = "form-select"
            elif name == "channel":
                field.widget.attrs["class"] = "form-check-input"

    def clean_selection(self) -> list[int]:
        text = self.cleaned_data["selection"]
        # Counted before anything is read: a selection can never hold more files than an
        # action takes (the file list offers at most that many).
        if text.count(",") >= services.MAX_FILES:
            raise forms.ValidationError(too_many_files())
        ids = _ids(text)
        if not ids:
            raise forms.ValidationError(_("Aucun dossier n'est sélectionné."))
        if len(ids) > services.MAX_FILES:
            raise forms.ValidationError(too_many_files())
        return ids

    def clean_session(self) -> Appointment | None:
        session: Appointment | None = self.cleaned_data.get("session")
        if session is None:
            return None
        # Counted again under the same rules: seats may have gone since the page was shown.
        fresh = future_sessions({session.office_id}).filter(pk=session.pk).first()
        if fresh is None:
            raise forms.ValidationError(_("Cette séance n'accepte plus d'inscriptions."))
        return fresh

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        session = cleaned.get("session")
        files = cleaned.get("selection")
        if self.action_kind == BulkAction.Kind.SESSION and session is not None and files:
            free = max((session.type.capacity or 0) - session.taken, 0)
            if free < len(files):
                self.add_error(
                    "session",
                    _(
                        "Cette séance n'a plus que %(free)s place(s) pour %(count)s "
                        "personnes : choisissez-en une autre ou réduisez la sélection."
                    )
                    % {"free": free, "count": len(files)},
                )
        return cleaned
