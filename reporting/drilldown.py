"""From a figure to its files: the resolver the file list calls (registered with
``beneficiaries.drilldown`` at start-up) and the links the dashboard gives each figure.

A link carries the indicator and its value (``pilotage=exemption:medical``) with the
period and filters of the dashboard, as ids and codes only. The resolver reads them
again with the dashboard's own form, for the user who follows the link: the files are
those of that user's scope, whatever the link says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.drilldown import PARAMETER, Narrowing
from beneficiaries.models import Beneficiary
from cainamur.models import User
from cainamur.permissions import may_see_health
from cainamur.roles import Role
from parcours import rules
from reporting.forms import PERIOD_FIELDS, PilotageForm, period_query
from reporting.indicators import INDICATORS, Drill, UnknownDrill, drill_files

#: Who reads the dashboard and follows its figures to their files.
DASHBOARD_ROLES: tuple[Role, ...] = (Role.CASEWORKER, Role.COORDINATOR)


def drill_parameter(drill: Drill) -> str:
    return f"{drill.indicator}:{drill.value}" if drill.value else drill.indicator


def may_follow(drill: Drill, user: User) -> bool:
    """The list of people exempt for a medical reason is health information."""
    health = drill.indicator == "exemption" and drill.value == rules.MEDICAL
    return not health or may_see_health(user)


def drill_url(drill: Drill, base: Sequence[tuple[str, str]]) -> str:
    """The file list behind ``drill``, with the dashboard's period and filters ``base``
    (a line of a series has its own period; a commune's, its commune)."""
    params = list(base)
    if drill.period is not None:
        params = [(k, v) for k, v in params if k not in PERIOD_FIELDS]
        params = period_query(drill.period) + params
    overrides = {"localite": str(drill.commune or ""), "arrondissement": drill.arrondissement}
    for name, value in overrides.items():
        if value:
            params = [(k, v) for k, v in params if k != name] + [(name, value)]
    query = urlencode([(PARAMETER, drill_parameter(drill))])
    if params:
        query += "&" + _encoded(tuple(params))
    return f"{reverse('beneficiaries:list')}?{query}"


@lru_cache(maxsize=256)
def _encoded(params: tuple[tuple[str, str], ...]) -> str:
    """The period and filters as a query string: the same for most of a page's few
    hundred figures, encoded once."""
    return urlencode(params)


def _refused(files: QuerySet[Beneficiary]) -> Narrowing:
    return Narrowing(files.none(), title="", problem="invalid")


def resolve(files: QuerySet[Beneficiary], user: User, data: Mapping[str, str]) -> Narrowing:
    """The files behind the figure ``data`` names, among ``files`` (the list's scoped
    queryset); an empty list when the link is not valid or not for this user."""
    if not user.has_role(*DASHBOARD_ROLES):
        return _refused(files)
    key, _sep, value = str(data.get(PARAMETER, "")).partition(":")
    drill = Drill(key, value)
    form = PilotageForm(data, user=user, today=timezone.localdate())
    if key not in INDICATORS or not form.is_valid() or not may_follow(drill, user):
        return _refused(files)
    scope = form.scope()
    try:
        behind = drill_files(scope, drill)
    except UnknownDrill:
        return _refused(files)
    indicator = INDICATORS[key]
    what = str(indicator.label)
    if value:
        what = _("%(indicator)s : %(value)s") % {
            "indicator": what,
            "value": indicator.value_label(value),
        }
    parts = [what, scope.period.label, *form.described_filters()]
    query = form.query()
    return Narrowing(
        files.filter(pk__in=behind.values("pk")),
        title=" · ".join(parts),
        back_url=f"{reverse('reporting:dashboard')}?{urlencode(query)}",
        params=[(PARAMETER, drill_parameter(drill)), *query],
    )
