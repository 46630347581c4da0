from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.views.generic import ListView

from beneficiaries.filters import BeneficiaryFilter
from beneficiaries.models import Beneficiary
from cainamur.permissions import FILE_ROLES, RoleRequiredMixin


class BeneficiaryListView(RoleRequiredMixin, ListView):
    allowed_roles = FILE_ROLES
    template_name = "beneficiaries/list.html"
    context_object_name = "beneficiaries"
    paginate_by = 25

    def get_queryset(self) -> QuerySet[Beneficiary]:
        scoped = Beneficiary.objects.visible_to(self.request.user).select_related(
            "office", "commune", "caseworker"
        )
        self.filterset = BeneficiaryFilter(
            self.request.GET or None, queryset=scoped, user=self.request.user
        )
        return self.filterset.qs if self.filterset.is_bound else scoped

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request") and not self.request.headers.get(
            "HX-History-Restore-Request"
        ):
            return ["beneficiaries/_results.html"]  # results only, as the user types
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        return context
