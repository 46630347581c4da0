from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import FormView, ListView

from beneficiaries.filters import BeneficiaryFilter, filtered_files
from beneficiaries.forms import (
    BeneficiaryForm,
    ConsentForm,
    ConsentWithdrawForm,
    ExemptionEndForm,
    ExemptionForm,
    PermitRenewalForm,
)
from beneficiaries.models import Beneficiary, Consent, Exemption
from beneficiaries.selectors import likely_duplicates, scoped_files
from beneficiaries.services import (
    beneficiary_register,
    beneficiary_update,
    consent_record,
    consent_withdraw,
    exemption_end,
    exemption_record,
    exemption_remove,
    permit_renewal_record,
)
from cainamur import exports, reads
from cainamur.lib import file_page
from cainamur.lib.pagination import CappedCountPaginator, RankedPaginator
from cainamur.models import ReadEvent, User
from cainamur.permissions import (
    EDIT_ROLES,
    FILE_ROLES,
    AuthenticatedHttpRequest,
    RoleRequiredMixin,
    may_see_health,
    role_required,
    user_has_role,
)
from cainamur.templatetags.cai import national_number as national_number_format
from cainamur.uploads import document_response


class BeneficiaryListView(RoleRequiredMixin, ListView):
    """The file list with its search.

    The search is sent by POST: names and register numbers never appear in URLs, browser
    history or access logs. GET accepts only ids (office, caseworker, commune), for links
    such as "the files of this office".
    """

    allowed_roles = FILE_ROLES
    request: AuthenticatedHttpRequest
    template_name = "beneficiaries/list.html"
    context_object_name = "beneficiaries"
    paginate_by = 25
    paginator_class = CappedCountPaginator

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.kwargs["page"] = request.POST.get("page") or 1
        return self.get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Beneficiary]:
        data: QueryDict
        if self.request.method == "POST":
            data = self.request.POST
        else:
            data = self.request.GET.copy()
            data.pop("q", None)  # a name never comes through a URL
        files, self.filterset, self.narrowing = filtered_files(self.request.user, data)
        return files

    def get_paginator(self, queryset: Any, per_page: int, *args: Any, **kwargs: Any) -> Paginator:
        if self.filterset.is_bound and self.filterset.form.cleaned_data.get("q", "").strip():
            # A search ranks every match: counted while ranking, not searched twice.
            return RankedPaginator(queryset, per_page, *args, **kwargs)
        return super().get_paginator(queryset, per_page, *args, **kwargs)

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request"):
            return ["beneficiaries/_results.html"]  # the results only, as the user types
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["filtered"] = self.narrowing is not None or (
            self.filterset.is_bound
            and any(self.filterset.form.data.get(name) for name in BeneficiaryFilter.base_filters)
        )
        context["narrowing"] = self.narrowing
        context["export_sources"] = exports.offered_on("dossiers", self.request.user)
        shown = [b.pk for b in context["beneficiaries"]]
        if context["filtered"] and shown:
            # A search that returned files: which files, not what was typed.
            reads.record(self.request, ReadEvent.Kind.SEARCH, what="recherche", files=shown)
        return context


#: The session key under which a page hands the first values of a new file over.
NEW_FILE_INITIAL = "new_file_initial"


class BeneficiaryCreateView(RoleRequiredMixin, FormView):
    """Registration, with duplicate detection before saving."""

    allowed_roles = FILE_ROLES
    request: AuthenticatedHttpRequest
    template_name = "beneficiaries/form.html"
    form_class = BeneficiaryForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self) -> dict[str, Any]:
        """What another page handed over for this new file (an online booking: the name,
        phone, e-mail and language the person typed), through the session, never the
        address bar."""
        initial = super().get_initial()
        handed = self.request.session.get(NEW_FILE_INITIAL)
        if self.request.GET.get("reservation") and isinstance(handed, dict):
            initial.update({k: v for k, v in handed.items() if k in BeneficiaryForm.Meta.fields})
        return initial

    def form_valid(self, form: BeneficiaryForm) -> HttpResponse:
        data = form.cleaned_data
        if not self.request.POST.get("confirm_distinct"):
            duplicates = list(
                likely_duplicates(
                    last_name=data["last_name"],
                    first_names=data["first_names"],
                    birth_date=data["birth_date"],
                )
            )
            if duplicates:
                visible = set(
                    Beneficiary.objects.visible_to(self.request.user)
                    .filter(pk__in=[d.pk for d in duplicates])
                    .values_list("pk", flat=True)
                )
                return self.render_to_response(
                    self.get_context_data(
                        form=form,
                        duplicates=duplicates,
                        visible_duplicates=visible,
                    )
                )
        fields = {name: data[name] for name in BeneficiaryForm.Meta.fields}
        fields["commune"] = form.commune
        try:
            beneficiary = beneficiary_register(
                data=fields,
                by=self.request.user,
                number_confirmed=data["confirm_register_number"],
            )
        except IntegrityError:
            # Someone registered the same register number a moment ago.
            form.add_error(
                "national_number",
                _("Ce numéro vient d'être enregistré dans un autre dossier : recherchez-le."),
            )
            return self.form_invalid(form)
        messages.success(
            self.request, _("Dossier %(number)s ouvert.") % {"number": beneficiary.file_number}
        )
        booking = self.request.GET.get("reservation", "")
        if booking.isdigit():  # opened for an online booking: back to it, to link them
            self.request.session.pop(NEW_FILE_INITIAL, None)
            return redirect(
                reverse("appointments:online", args=[int(booking)]) + f"?dossier={beneficiary.pk}"
            )
        if self.request.GET.get("suite") == "rendez-vous":  # opened from the booking screen
            return redirect(reverse("appointments:book") + f"?dossier={beneficiary.pk}")
        return redirect("beneficiaries:detail", pk=beneficiary.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "creating": True}


class BeneficiaryUpdateView(RoleRequiredMixin, FormView):
    allowed_roles = EDIT_ROLES
    request: AuthenticatedHttpRequest
    template_name = "beneficiaries/form.html"
    form_class = BeneficiaryForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The role first: a role that may not edit gets 403 whether the file exists or not.
        user = request.user
        if isinstance(user, User) and user_has_role(user, self.allowed_roles):
            self.beneficiary = get_object_or_404(scoped_files(user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {
            **super().get_form_kwargs(),
            "user": self.request.user,
            "instance": Beneficiary.objects.get(pk=self.beneficiary.pk),
        }

    def form_valid(self, form: BeneficiaryForm) -> HttpResponse:
        data = {name: form.cleaned_data[name] for name in BeneficiaryForm.Meta.fields}
        data["commune"] = form.commune
        changed = beneficiary_update(
            beneficiary=self.beneficiary,
            data=data,
            by=self.request.user,
            number_confirmed=form.cleaned_data["confirm_register_number"],
        )
        if changed:
            messages.success(self.request, _("Dossier mis à jour."))
        else:
            messages.info(self.request, _("Aucune modification."))
        return redirect("beneficiaries:detail", pk=self.beneficiary.pk)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "beneficiary": self.beneficiary}


@role_required(*EDIT_ROLES)
@require_POST
def permit_renewal_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    form = PermitRenewalForm(request.POST, beneficiary=beneficiary, auto_id="renewal_%s")
    if not form.is_valid():
        messages.error(request, _("Renouvellement non enregistré : voyez les erreurs indiquées."))
        return file_page.render(request, beneficiary, forms={"renewal_form": form})
    permit_renewal_record(beneficiary=beneficiary, by=request.user, **form.cleaned_data)
    messages.success(request, _("Renouvellement enregistré (le premier titre reste la référence)."))
    return redirect(reverse("beneficiaries:detail", args=[pk]) + "#sejour")


@role_required(*EDIT_ROLES)
@require_POST
def exemption_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    form = ExemptionForm(
        request.POST,
        request.FILES,
        beneficiary=beneficiary,
        may_see_health=may_see_health(request.user),
        auto_id="exemption_%s",
    )
    if not form.is_valid():
        messages.error(request, _("Dispense non enregistrée : voyez les erreurs indiquées."))
        return file_page.render(request, beneficiary, forms={"exemption_form": form})
    exemption_record(beneficiary=beneficiary, by=request.user, **form.cleaned_data)
    messages.success(request, _("Dispense enregistrée ; l'obligation a été réévaluée."))
    return redirect(reverse("beneficiaries:detail", args=[pk]) + "#dispenses")


@role_required(*EDIT_ROLES)
@require_POST
def exemption_end_view(
    request: AuthenticatedHttpRequest, pk: int, exemption_pk: int
) -> HttpResponse:
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    exemption = get_object_or_404(
        Exemption.objects.visible_to(request.user), pk=exemption_pk, beneficiary=beneficiary
    )
    form = ExemptionEndForm(
        request.POST, instance=exemption, auto_id=f"exemption_end_{exemption.pk}_%s"
    )
    if not form.is_valid():
        messages.error(request, _("Fin de dispense non enregistrée : voyez l'erreur indiquée."))
        return file_page.render(request, beneficiary, forms={"exemption_end_form": form})
    exemption_end(
        exemption=exemption, valid_until=form.cleaned_data["valid_until"], by=request.user
    )
    messages.success(request, _("Fin de dispense enregistrée ; l'obligation a été réévaluée."))
    return redirect(reverse("beneficiaries:detail", args=[pk]) + "#dispenses")


@role_required(*EDIT_ROLES)
@require_POST
def exemption_delete(request: AuthenticatedHttpRequest, pk: int, exemption_pk: int) -> HttpResponse:
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    exemption = get_object_or_404(
        Exemption.objects.visible_to(request.user), pk=exemption_pk, beneficiary=beneficiary
    )
    exemption_remove(exemption=exemption, by=request.user)
    messages.success(request, _("Dispense retirée ; l'obligation a été réévaluée."))
    return redirect(reverse("beneficiaries:detail", args=[pk]) + "#dispenses")


@role_required(*EDIT_ROLES)
@require_POST
def consent_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    form = ConsentForm(request.POST, beneficiary=beneficiary)
    if form.is_valid():
        try:
            consent_record(beneficiary=beneficiary, by=request.user, **form.cleaned_data)
        except ValidationError as error:  # the same consent, recorded a moment ago
            form.add_error(None, error)
    if not form.is_valid():
        messages.error(request, _("Consentement non enregistré : voyez les erreurs indiquées."))
        return file_page.render(request, beneficiary, forms={"consent_form": form})
    messages.success(request, _("Consentement enregistré."))
    return redirect(reverse("beneficiaries:detail", args=[pk]) + "#consentements")


@role_required(*EDIT_ROLES)
@require_POST
def consent_withdrawal(request: AuthenticatedHttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    consent = get_object_or_404(Consent, pk=consent_pk, beneficiary=beneficiary)
    if not consent.is_active:  # sent twice
        messages.info(
            request,
            _("Ce consentement a déjà été retiré le %(date)s.")
            % {"date": f"{consent.withdrawn_on:%d/%m/%Y}"},
        )
        return redirect(reverse("beneficiaries:detail", args=[pk]) + "#consentements")
    form = ConsentWithdrawForm(request.POST, consent=consent)
    if form.is_valid():
        try:
            consent_withdraw(
                consent=consent,
                withdrawn_on=form.cleaned_data["withdrawn_on"],
                channel=form.cleaned_data["withdrawn_channel"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
    if not form.is_valid():
        messages.error(request, _("Retrait non enregistré : voyez les erreurs indiquées."))
        return file_page.render(request, beneficiary, forms={"consent_withdraw_form": form})
    messages.success(
        request,
        _("Consentement retiré (%(purpose)s) : ce qui en dépendait s'arrête.")
        % {"purpose": consent.get_purpose_display()},
    )
    return redirect(reverse("beneficiaries:detail", args=[pk]) + "#consentements")


@role_required(*EDIT_ROLES)
def exemption_proof(request: AuthenticatedHttpRequest, pk: int, exemption_pk: int) -> FileResponse:
    """The proof document, served only through the scoped file (never a public media URL)."""
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    exemption = get_object_or_404(
        Exemption.objects.visible_to(request.user), pk=exemption_pk, beneficiary=beneficiary
    )
    if not exemption.proof:
        raise Http404
    reads.record(
        request, ReadEvent.Kind.DOCUMENT, beneficiary=beneficiary, what="justificatif de dispense"
    )
    return document_response(
        exemption.proof, download_name=f"dispense-{beneficiary.file_number}-{exemption.pk}"
    )


@role_required(*EDIT_ROLES)
@require_GET
def family_proof(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """The proof of the family link with the EU citizen, only through the scoped file."""
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    if not beneficiary.eu_family_proof:
        raise Http404
    reads.record(
        request, ReadEvent.Kind.DOCUMENT, beneficiary=beneficiary, what="preuve du lien familial"
    )
    return document_response(
        beneficiary.eu_family_proof, download_name=f"lien-familial-{beneficiary.file_number}"
    )


@role_required(*FILE_ROLES)
@require_GET
def national_number(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The whole register number, on request (recorded in the read log); masked otherwise."""
    if not request.user.has_perm("beneficiaries.view_national_number"):
        raise PermissionDenied
    beneficiary = get_object_or_404(scoped_files(request.user), pk=pk)
    if not beneficiary.national_number:
        raise Http404
    reads.record(request, ReadEvent.Kind.NUMBER, beneficiary=beneficiary, what="numéro national")
    response = HttpResponse(national_number_format(beneficiary.national_number, True))
    response["Cache-Control"] = "no-store, private"
    return response
