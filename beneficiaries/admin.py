from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from beneficiaries import translations
from beneficiaries.contact_languages import BY_CODE
from beneficiaries.models import Beneficiary, Commune, Cpas, Exemption, TranslationReview
from cainamur.models import User
from cainamur.templatetags.cai import national_number

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class CpasInline(admin.StackedInline):
    model = Cpas
    can_delete = False
    fields = ("name", "email", "street", "phone")


class MissingEmailFilter(admin.SimpleListFilter):
    title = _("adresse e-mail")
    parameter_name = "email"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> tuple[tuple[str, StrOrPromise], ...]:
        return (("missing", _("manquante")), ("present", _("renseignée")))

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[Commune] | QuerySet[Cpas]
    ) -> QuerySet[Commune] | QuerySet[Cpas]:
        field = "population_email" if queryset.model is Commune else "email"
        if self.value() == "missing":
            return queryset.filter(**{field: ""})
        if self.value() == "present":
            return queryset.exclude(**{field: ""})
        return queryset


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ("name", "arrondissement", "postal_code_list", "office", "population_email")
    list_editable = ("population_email",)
    list_filter = ("arrondissement", "office", MissingEmailFilter)
    search_fields = ("name", "postal_codes")
    readonly_fields = ("name", "arrondissement", "postal_codes")
    list_select_related = ("office",)
    inlines = (CpasInline,)

    @admin.display(description=_("codes postaux"))
    def postal_code_list(self, obj: Commune) -> str:
        return ", ".join(obj.postal_codes)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the 38 communes are reference data, loaded by a migration

    def has_delete_permission(self, request: HttpRequest, obj: Commune | None = None) -> bool:
        return False


@admin.register(Cpas)
class CpasAdmin(admin.ModelAdmin):
    list_display = ("name", "commune", "email", "phone")
    list_editable = ("email",)
    list_filter = (MissingEmailFilter,)
    search_fields = ("name", "commune__name")
    readonly_fields = ("commune",)
    list_select_related = ("commune",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Cpas | None = None) -> bool:
        return False


class ExemptionInline(admin.TabularInline):
    model = Exemption
    extra = 0
    fields = ("code", "proven_on", "valid_until", "proof", "notes", "recorded_by", "recorded_at")
    readonly_fields = ("recorded_by", "recorded_at")


@admin.register(Beneficiary)
class BeneficiaryAdmin(admin.ModelAdmin):
    """Plain Django admin search (icontains), kept as the benchmark's reference point."""

    list_display = (
        "file_number",
        "last_name",
        "first_names",
        "birth_date",
        "nationality_name",
        "office",
        "caseworker",
        "obligation_status",
    )
    list_filter = ("office", "obligation_status", "temporary_protection", "cpas_support")
    # Not the national number: the admin's search is a GET, its query string would carry
    # it into logs and browser history (the app searches it through a POST).
    search_fields = ("last_name", "first_names", "birth_name", "file_number")
    list_select_related = ("office", "caseworker")
    readonly_fields = (
        "file_number",
        "masked_national_number",
        "obligation_status",
        "created_at",
        "updated_at",
    )
    autocomplete_fields = ("commune", "cpas", "caseworker")
    inlines = (ExemptionInline,)
    show_full_result_count = False

    def has_delete_permission(self, request: HttpRequest, obj: Beneficiary | None = None) -> bool:
        return False  # files are kept (nationality applications come years later)

    def get_exclude(self, request: HttpRequest, obj: Beneficiary | None = None) -> tuple[str, ...]:
        # The whole register number only for roles that need it (Belgian law of 1983).
        if request.user.has_perm("beneficiaries.view_national_number"):
            return ()
        return ("national_number",)

    @admin.display(description=_("nationalité"), ordering="nationality")
    def nationality_name(self, obj: Beneficiary) -> str:
        # The country's name, looked up alone: the admin's own column would build the
        # whole translated country list for each row (~3 ms a row).
        return str(obj.nationality.name) if obj.nationality else "—"

    @admin.display(description=_("numéro de registre national ou BIS"))
    def masked_national_number(self, obj: Beneficiary) -> str:

        return national_number(obj.national_number, False)


@admin.register(TranslationReview)
class TranslationReviewAdmin(admin.ModelAdmin):
    """The reviews of the people-facing translations. Reviews are made from « Traductions
    à relire » (a page per language: each French text, its translation and whether it
    was reviewed as it reads now); deleting a review puts the text back « à relire »."""

    list_display = ("language", "source_start", "reviewed_by", "reviewed_at")
    list_filter = ("language",)
    search_fields = ("source", "translation")
    readonly_fields = ("language", "source", "translation", "reviewed_by", "reviewed_at")
    change_list_template = "admin/beneficiaries/translationreview/change_list.html"

    @admin.display(description=_("texte français"))
    def source_start(self, review: TranslationReview) -> str:
        return review.source[:80]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # from the language's page, which reads the catalogue

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("langues/", view(self.overview), name="beneficiaries_translation_overview"),
            path(
                "langues/<str:code>/",
                view(self.language_page),
                name="beneficiaries_translation_language",
            ),
            *super().get_urls(),
        ]

    def overview(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Traductions à relire"),
            "opts": self.model._meta,
            "states": translations.states(),
        }
        return TemplateResponse(request, "admin/beneficiaries/translations.html", context)

    def language_page(self, request: HttpRequest, code: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        if code not in BY_CODE or code == "fr":
            raise Http404
        if request.method == "POST":
            if not request.user.has_perm("beneficiaries.add_translationreview"):
                raise PermissionDenied
            assert isinstance(request.user, User)
            chosen = request.POST.getlist("source")
            marked = translations.translations_review(code=code, sources=chosen, by=request.user)
            if chosen:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d traduction marquée comme relue.",
                        "%(count)d traductions marquées comme relues.",
                        marked,
                    )
                    % {"count": marked},
                )
            else:
                messages.warning(request, _("Cochez les traductions que vous avez relues."))
            return redirect("admin:beneficiaries_translation_language", code=code)
        state = translations.language_state(code)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Traductions : %(language)s") % {"language": state.language.french},
            "opts": self.model._meta,
            "state": state,
            "may_review": request.user.has_perm("beneficiaries.add_translationreview"),
        }
        return TemplateResponse(request, "admin/beneficiaries/translation_language.html", context)
