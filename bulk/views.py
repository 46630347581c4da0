"""« Actions groupées »: from the file list's selection to the choices, a confirmation,
then the task's progress and what it did or refused for each file. Thin: the selection is
re-read through the list's own scoped queryset and filter, ``services`` does the work."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from beneficiaries.filters import filtered_files
from beneficiaries.models import Beneficiary
from bulk import services
from bulk.forms import BulkForm, too_many_files
from bulk.models import BulkAction, BulkItem
from cainamur.permissions import EDIT_ROLES, AuthenticatedHttpRequest, role_required
from cainamur.uploads import DOCUMENT_CSP
from outbox.models import Dispatch

#: Actions per page of the actions' list (newest first).
ACTIONS_PER_PAGE = 50
#: Files per page of an action's result.
ITEMS_PER_PAGE = 100
#: Files named on the confirmation page (the others are counted).
PREVIEW = 20
#: What the file list's action chooser offers.
KINDS = BulkAction.Kind


class TooMany(Exception):
    pass


def _filtered_files(user: Any, data: Mapping[str, str]) -> list[int]:
    """The ids of the file list's filter, re-applied here exactly as the list applies it
    (its scoped queryset, the dashboard's narrowing, its filter), in the list's order."""
    files, _filterset, _narrowing = filtered_files(user, data)
    ids = list(files.values_list("pk", flat=True)[: services.MAX_FILES + 1])
    if len(ids) > services.MAX_FILES:
        raise TooMany
    return ids


def _checked(user: Any, ids: list[int]) -> list[int]:
    """The posted ids, every one of them a file the user may see: else 404, and nothing
    is done to any of them."""
    if not ids:
        return []
    visible = set(
        Beneficiary.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    if visible != set(ids):
        raise Http404
    return ids


def _posted_ids(values: list[str]) -> list[int]:
    try:
        return list(dict.fromkeys(int(value) for value in values if value.strip()))
    except ValueError:
        raise Http404 from None


def _question(kind: str, count: int, form: BulkForm) -> str:
    data = form.cleaned_data
    if kind == BulkAction.Kind.ASSIGN:
        return ngettext(
            "Attribuer %(count)s dossier à %(name)s ?",
            "Attribuer %(count)s dossiers à %(name)s ?",
            count,
        ) % {"count": count, "name": data["caseworker"].get_full_name()}
    if kind == BulkAction.Kind.INVITE:
        return ngettext(
            "Inviter %(count)s personne au module d'accueil ?",
            "Inviter %(count)s personnes au module d'accueil ?",
            count,
        ) % {"count": count}
    session = data["session"]
    return ngettext(
        "Inscrire %(count)s personne à la séance « %(type)s » ?",
        "Inscrire %(count)s personnes à la séance « %(type)s » ?",
        count,
    ) % {"count": count, "type": session.type.name}


def _form_page(
    request: AuthenticatedHttpRequest, form: BulkForm, files: list[int], *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "bulk/choose.html",
        {"form": form, "kind_label": BulkAction.Kind(form.action_kind).label, "count": len(files)},
        status=status,
    )


def _offices(files: list[int]) -> set[int]:
    return set(
        Beneficiary.objects.filter(pk__in=files).values_list("office_id", flat=True).distinct()
    )


@role_required(*EDIT_ROLES)
def new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET: how to start. POST from the file list (its selection, or its whole filter):
    the action's choices; then (« etape ») the confirmation, then the run."""
    user = request.user
    if request.method != "POST":
        return render(request, "bulk/start.html")
    kind = request.POST.get("kind", "")
    if kind not in KINDS.values:
        return render(
            request,
            "bulk/start.html",
            {"problem": _("Choisissez l'action à faire sur les dossiers sélectionnés.")},
            status=400,
        )
    step = request.POST.get("etape", "")
    if not step:  # from the file list
        try:
            if request.POST.get("portee") == "filtre":
                files = _filtered_files(user, request.POST)
            else:
                ticked = _posted_ids(request.POST.getlist("dossiers"))
                if len(ticked) > services.MAX_FILES:
                    return render(
                        request, "bulk/start.html", {"problem": too_many_files()}, status=400
                    )
                files = _checked(user, ticked)
        except TooMany:
            problem = _(
                "Le filtre compte plus de %(max)s dossiers : affinez-le (bureau, commune, "
                "parcours…) avant une action groupée."
            ) % {"max": f"{services.MAX_FILES:,}".replace(",", "\u202f")}
            return render(request, "bulk/start.html", {"problem": problem}, status=400)
        if not files:
            return render(
                request,
                "bulk/start.html",
                {"problem": _("Aucun dossier n'est sélectionné : cochez-en dans la liste.")},
                status=400,
            )
        form = BulkForm(
            initial={"kind": kind, "selection": ",".join(map(str, files))},
            user=user,
            kind=kind,
            office_ids=_offices(files),
        )
        return _form_page(request, form, files)
    posted = request.POST.get("selection", "")
    if posted.count(",") >= services.MAX_FILES:
        # More files than an action takes (a forged selection): the form says so, before
        # anything is read.
        form = BulkForm(request.POST, user=user, kind=kind, office_ids=set())
        form.is_valid()
        return _form_page(request, form, [], status=400)
    files = _checked(user, _posted_ids(posted.split(",")))
    if step == "choisir":  # « Modifier » on the confirmation: the choices as they were
        form = BulkForm(
            initial=request.POST.dict(), user=user, kind=kind, office_ids=_offices(files)
        )
        return _form_page(request, form, files)
    form = BulkForm(request.POST, user=user, kind=kind, office_ids=_offices(files))
    if not form.is_valid():
        return _form_page(request, form, files, status=400)
    files = form.cleaned_data["selection"]
    token = form.cleaned_data.get("token")
    if step == "lancer" and token is not None:
        action, created = services.bulk_request(
            kind=kind,
            files=files,
            by=user,
            caseworker=form.cleaned_data.get("caseworker"),
            session=form.cleaned_data.get("session"),
            channel=form.cleaned_data.get("channel") or "",
            reinvite=bool(form.cleaned_data.get("reinvite")),
            token=token,
        )
        if created:
            messages.success(
                request, _("L'action groupée est lancée : son avancement s'affiche ici.")
            )
        else:
            messages.info(
                request,
                _(
                    "Cette action groupée était déjà lancée (le formulaire a été envoyé "
                    "deux fois) : rien n'a été demandé de plus, voici son avancement."
                ),
            )
        return redirect("bulk:detail", pk=action.pk)
    if step == "lancer":  # a confirmation page without its token: confirm once more
        messages.warning(request, _("Vérifiez l'action puis confirmez-la encore une fois."))
    preview = list(
        Beneficiary.objects.filter(pk__in=files[:PREVIEW]).only(
            "pk", "file_number", "last_name", "first_names"
        )
    )
    order = {pk: position for position, pk in enumerate(files)}
    preview.sort(key=lambda b: order[b.pk])
    return render(
        request,
        "bulk/confirm.html",
        {
            "form": form,
            "question": _question(kind, len(files), form),
            "kind": kind,
            "count": len(files),
            "preview": preview,
            "more": max(len(files) - PREVIEW, 0),
            "token": uuid.uuid4(),
            "reinvite": bool(form.cleaned_data.get("reinvite")),
            "reinvite_days": services.REINVITE_DAYS,
            "channel_label": (
                BulkAction.Channel(form.cleaned_data["channel"]).label
                if form.cleaned_data.get("channel")
                else ""
            ),
            "session_label": (
                form.fields["session"].label_from_instance(form.cleaned_data["session"])  # type: ignore[attr-defined]
                if form.cleaned_data.get("session")
                else ""
            ),
        },
    )


def _with_counts(actions: QuerySet[BulkAction]) -> QuerySet[BulkAction]:
    return actions.select_related("created_by", "caseworker", "session__type").annotate(
        done=Count("items", filter=Q(items__outcome=BulkItem.Outcome.DONE)),
        refused=Count("items", filter=Q(items__outcome=BulkItem.Outcome.REFUSED)),
        letters_done=Count(
            "items", filter=Q(items__outcome=BulkItem.Outcome.DONE, items__letter=True)
        ),
    )


@require_GET
@role_required(*EDIT_ROLES)
def actions(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The bulk actions asked for, newest first, a page at a time: the user's own
    (coordinators: all)."""
    rows = _with_counts(BulkAction.objects.visible_to(request.user)).order_by("-created_at", "-id")
    page = Paginator(rows, ACTIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "bulk/list.html", {"actions": page, "page_obj": page})


def _action(request: AuthenticatedHttpRequest, pk: int) -> BulkAction:
    return get_object_or_404(_with_counts(BulkAction.objects.visible_to(request.user)), pk=pk)


@require_GET
@role_required(*EDIT_ROLES)
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """What the action did and refused, file by file (a file's number and name only for a
    user who may open it)."""
    action = _action(request, pk)
    items = action.items.select_related("beneficiary").prefetch_related(
        Prefetch(
            "dispatches",
            queryset=Dispatch.objects.order_by("pk"),
        )
    )
    shown = request.GET.get("resultat", "")
    if shown in (BulkItem.Outcome.DONE, BulkItem.Outcome.REFUSED):
        items = items.filter(outcome=shown)
    page = Paginator(items.order_by("position"), ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    ids = [item.beneficiary_id for item in page]
    visible = set(
        Beneficiary.objects.visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    return render(
        request,
        "bulk/detail.html",
        {
            "action": action,
            "page_obj": page,
            "visible": visible,
            "shown": shown,
            "stalled": services.stalled(action),
        },
    )


@require_GET
@role_required(*EDIT_ROLES)
def state(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The progress, asked again every two seconds while the task runs; once it is over
    (done or failed), the page reloads to show each file's outcome, and the asking stops."""
    action = _action(request, pk)
    response = render(
        request, "bulk/_progress.html", {"action": action, "stalled": services.stalled(action)}
    )
    if action.finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@require_GET
@role_required(*EDIT_ROLES)
def letters(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The letters of the people invited by letter, as one PDF: built again here when
    some are missing from it (an action that failed halfway, or whose PDF was lost)."""
    action = get_object_or_404(
        BulkAction.objects.visible_to(request.user),
        pk=pk,
        kind=BulkAction.Kind.INVITE,
        status__in=[BulkAction.Status.DONE, BulkAction.Status.FAILED],
    )
    services.letters_build(action)
    if not action.letters:
        raise Http404
    response = FileResponse(
        action.letters.open("rb"),
        as_attachment=True,
        filename=f"invitations-module-accueil-{action.pk}.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOCUMENT_CSP
    return response


@require_POST
@role_required(*EDIT_ROLES)
def resume(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """« Reprendre » a failed action: it goes on from the first file not done."""
    action = get_object_or_404(BulkAction.objects.visible_to(request.user), pk=pk)
    if services.bulk_resume(action, by=request.user):
        messages.success(
            request,
            _(
                "L'action groupée reprend là où elle s'était arrêtée : les dossiers déjà "
                "traités ne le sont pas une seconde fois."
            ),
        )
    else:
        messages.info(request, _("Cette action groupée n'est pas en échec : rien à reprendre."))
    return redirect("bulk:detail", pk=action.pk)
