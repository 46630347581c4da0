"""The offers of partner operators, searched by caseworkers (axis, commune and nearby
communes, language, places left)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import F, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic import ListView

from beneficiaries.languages import LANGUAGE_CHOICES
from beneficiaries.models import Commune
from beneficiaries.selectors import scoped_files
from cainamur.lib.http import int_or_404, is_id
from cainamur.lib.netutils import client_ip
from cainamur.permissions import (
    EDIT_ROLES,
    AuthenticatedHttpRequest,
    RoleRequiredMixin,
    role_required,
)
from cainamur.roles import Role
from operators import services
from operators.models import OFFER_AXES, Offer, Orientation, ReportingLink


class OfferSearchForm(forms.Form):
    axis = forms.ChoiceField(
        label=_l("Axe"),
        required=False,
        choices=[("", _l("Tous")), *OFFER_AXES],
    )
    commune = forms.ModelChoiceField(
        label=_l("Commune"),
        queryset=Commune.objects.all(),
        required=False,
        empty_label=_l("Toutes"),
    )
    nearby = forms.BooleanField(
        label=_l("et communes voisines (même arrondissement)"), required=False
    )
    language = forms.ChoiceField(
        label=_l("Langue"), required=False, choices=[("", _l("Toutes")), *LANGUAGE_CHOICES]
    )
    places = forms.BooleanField(label=_l("Seulement avec des places"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("axis", "commune", "language"):
            self.fields[name].widget.attrs["class"] = "form-select"
        for name in ("nearby", "places"):
            self.fields[name].widget.attrs["class"] = "form-check-input"


class OfferSearchView(RoleRequiredMixin, ListView):
    allowed_roles = EDIT_ROLES
    request: AuthenticatedHttpRequest
    template_name = "operators/offers.html"
    context_object_name = "offers"
    paginate_by = 25

    def get_queryset(self) -> QuerySet[Offer]:
        self.form = OfferSearchForm(self.request.GET or None)
        offers = (
            Offer.objects.filter(is_active=True, operator__is_active=True)
            .select_related("operator")
            .prefetch_related(Prefetch("communes", queryset=Commune.objects.order_by("name")))
            .order_by("axis", "start_on", "title")
        )
        if not self.form.is_valid():
            return offers
        data = self.form.cleaned_data
        if data["axis"]:
            offers = offers.filter(axis=data["axis"])
        if data["commune"]:
            communes = (
                Commune.objects.filter(arrondissement=data["commune"].arrondissement)
                if data["nearby"]
                else Commune.objects.filter(pk=data["commune"].pk)
            )
            offers = offers.filter(communes__in=communes).distinct()
        if data["language"]:
            offers = offers.filter(languages__contains=[data["language"]])
        if data["places"]:
            offers = offers.filter(taken__lt=F("capacity"))
        return offers

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = {**super().get_context_data(**kwargs), "form": self.form}
        dossier = self.request.GET.get("dossier", "")
        if is_id(dossier):  # orienting someone: each offer gets a « Proposer » button
            context["beneficiary"] = get_object_or_404(
                scoped_files(self.request.user), pk=int(dossier)
            )
        return context


@role_required(*EDIT_ROLES)
@require_POST
def propose(request: AuthenticatedHttpRequest) -> HttpResponse:
    beneficiary = get_object_or_404(
        scoped_files(request.user), pk=int_or_404(request.POST, "dossier")
    )
    offer = get_object_or_404(
        Offer.objects.filter(is_active=True), pk=int_or_404(request.POST, "offre")
    )
    try:
        services.orientation_propose(beneficiary=beneficiary, offer=offer, by=request.user)
    except services.OrientationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Orientation proposée : %(offer)s.") % {"offer": offer.title})
    return redirect(reverse("beneficiaries:detail", args=[beneficiary.pk]) + "#orientations")


@role_required(*EDIT_ROLES)
@require_POST
def move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    orientation = get_object_or_404(
        Orientation.objects.filter(beneficiary__in=scoped_files(request.user)), pk=pk
    )
    to = request.POST.get("to", "")
    if to not in Orientation.Status.values:
        raise Http404
    try:
        services.orientation_move(
            orientation=orientation, to=to, by=request.user, reason=request.POST.get("reason", "")
        )
    except services.NoPlace as error:
        messages.warning(request, str(error))
    except services.OrientationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Orientation mise à jour."))
    return redirect(
        reverse("beneficiaries:detail", args=[orientation.beneficiary_id]) + "#orientations"
    )


@role_required(*EDIT_ROLES)
def offer_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """An offer's enrolled people and waiting list (people of other offices unnamed)."""
    offer = get_object_or_404(Offer.objects.select_related("operator"), pk=pk)
    visible = set(
        scoped_files(request.user).filter(orientations__offer=offer).values_list("pk", flat=True)
    )
    rows = list(
        offer.orientations.filter(status__in=["waiting", "enrolled", "in_progress"])
        .select_related("beneficiary")
        .order_by("status", "waiting_since", "id")
    )
    return render(
        request,
        "operators/offer.html",
        {
            "links": list(offer.links.order_by("-created_at")[:10]),
            "new_link": request.session.pop("operator_link", None),
            "may_link": request.user.has_role(Role.COORDINATOR),
            "offer": offer,
            "enrolled": [o for o in rows if o.status != "waiting"],
            "waiting": services.waiting_list(offer),
            "visible": visible,
        },
    )


@role_required(Role.COORDINATOR)
@require_POST
def link_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    offer = get_object_or_404(Offer, pk=pk)
    _link, token = services.link_create(offer=offer, by=request.user)
    request.session["operator_link"] = settings.CAI_PUBLIC_URL + reverse(
        "operators:report", args=[token]
    )
    messages.success(request, _("Lien créé : copiez-le maintenant, il ne sera plus affiché."))
    return redirect("operators:offer", pk=offer.pk)


@role_required(Role.COORDINATOR)
@require_POST
def link_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(ReportingLink, pk=pk)
    services.link_revoke(link=link, by=request.user)
    messages.success(request, _("Lien révoqué."))
    return redirect("operators:offer", pk=link.offer_id)


def _typed_report(
    post: QueryDict,
) -> tuple[
    date | None, date | None, dict[int, tuple[Decimal, bool]], dict[services.ReportField, list[str]]
]:
    """The operator's report as typed: the period, the hours and drop-outs per line, and
    what cannot be read, by field (a date, a number)."""
    problems: dict[services.ReportField, list[str]] = {}
    dates: dict[str, date | None] = {}
    for name in ("period_start", "period_end"):
        try:
            dates[name] = date.fromisoformat(post.get(name, ""))
        except ValueError:
            dates[name] = None
            problems[name] = [_("Indiquez une date (jj/mm/aaaa).")]
    lines: dict[int, tuple[Decimal, bool]] = {}
    for key in post:
        if not key.startswith(("h_", "d_")):
            continue
        if not is_id(key[2:]):
            problems[None] = [_("Une personne n'est pas inscrite à cette offre.")]
            continue
        pk, raw = int(key[2:]), post.get(key, "").strip()
        if key.startswith("h_") and raw:
            try:
                # As typed: the service refuses NaN, infinity and a third decimal.
                lines[pk] = (
                    Decimal(raw.replace(",", ".")),
                    lines.get(pk, (Decimal("0"), False))[1],
                )
            except InvalidOperation:
                problems[pk] = [_("Indiquez un nombre d'heures (ex. 3 ou 2,5).")]
        elif key.startswith("d_"):
            lines[pk] = (lines.get(pk, (Decimal("0"), False))[0], True)
    return dates["period_start"], dates["period_end"], lines, problems


@login_not_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, token: str) -> HttpResponse:
    """The operator's page (no account): the people enrolled in this offer — name and file
    number, nothing else — and their hours for a period."""
    try:
        link = services.link_resolve(token)
    except services.LinkRefused:
        return render(request, "operators/link_refused.html", status=403)
    response = _report(request, token, link)
    # Names and hours without a login (the staff's pages get it from the middleware): no
    # copy in a shared cache nor in the browser's.
    response["Cache-Control"] = "no-store, private"
    return response


def _report(request: HttpRequest, token: str, link: ReportingLink) -> HttpResponse:
    people = services.reportable(link)
    values: dict[str, str] = {}
    problems: dict[services.ReportField, list[str]] = {}
    if request.method == "POST":
        values = {
            key: request.POST.get(key, "")
            for key in request.POST
            if key.startswith(("h_", "d_", "period"))
        }
        period_start, period_end, lines, problems = _typed_report(request.POST)
        if not problems and not lines:
            problems[None] = [_("Indiquez des heures pour au moins une personne.")]
        if not problems:
            assert period_start is not None and period_end is not None
            try:
                services.report_submit(
                    link=link,
                    period_start=period_start,
                    period_end=period_end,
                    lines=lines,
                    ip=client_ip(request),
                )
            except services.ReportRefused as error:
                problems = error.problems
            except services.OrientationError as error:
                problems = {None: [str(error)]}
            else:
                messages.success(request, _("Merci : les heures sont enregistrées."))
                return redirect("operators:report", token=token)
        messages.error(
            request,
            " ".join(
                [
                    *problems.get(None, []),
                    _("Rien n'a été enregistré : voyez les erreurs indiquées."),
                ]
            ),
        )
    for person in people:  # what was typed stays on the page after a refusal
        person.typed_hours = values.get(f"h_{person.pk}", "")  # type: ignore[attr-defined]
        person.typed_drop = f"d_{person.pk}" in values  # type: ignore[attr-defined]
        person.errors = problems.get(person.pk, [])  # type: ignore[attr-defined]
    return render(
        request,
        "operators/report.html",
        {
            "link": link,
            "token": token,  # for its « feuille de présence » entry (imports)
            "people": people,
            "values": values,
            "today": timezone.localdate(),
            "period_start_errors": problems.get("period_start", []),
            "period_end_errors": problems.get("period_end", []),
        },
        status=400 if request.method == "POST" else 200,
    )
