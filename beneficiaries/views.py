from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.views.generic import ListView

from beneficiaries.filters import BeneficiaryFilter
from beneficiaries.models import Beneficiary
from cainamur.permissions import FILE_ROLES, RoleRequiredMixin


class BeneficiaryListView(RoleRequiredMixin, ListView):
    """The file list with its search.

    The search is sent by POST: names and register numbers never appear in URLs, browser
    history or access logs. GET accepts only ids (office, caseworker, commune), for links
    such as "the files of this office".
    """

    allowed_roles = FILE_ROLES
    template_name = "beneficiaries/list.html"
    context_object_name = "beneficiaries"
    paginate_by = 25

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.kwargs["page"] = request.POST.get("page") or 1
        return self.get(request, *args, **kwargs)

    def filter_data(self) -> dict[str, Any] | None:
        if self.request.method == "POST":
            data = self.request.POST
        else:
            data = self.request.GET.copy()
            data.pop("q", None)
        fields = {
            key: value for key, value in data.items() if key in BeneficiaryFilter.base_filters
        }
        return fields or None

    def get_queryset(self) -> QuerySet[Beneficiary]:
        scoped = Beneficiary.objects.visible_to(self.request.user).select_related(
            "office", "commune", "caseworker"
        )
        self.filterset = BeneficiaryFilter(
            self.filter_data(), queryset=scoped, user=self.request.user
        )
        return self.filterset.qs if self.filterset.is_bound else scoped

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request"):
            return ["beneficiaries/_results.html"]  # the results only, as the user types
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["filtered"] = self.filterset.is_bound and any(
            self.filterset.form.data.get(name) for name in BeneficiaryFilter.base_filters
        )
        return context
