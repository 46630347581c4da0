"""Writes on staff accounts and roles."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.core.mail import send_mail
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from cainamur import audit
from cainamur.celery import queue_on_commit
from cainamur.models import AuditEvent, ReadAlert, User
from cainamur.roles import GROUP_NAMES, ROLE_PERMISSIONS, Role


def roles_sync(*, sender: AppConfig | None = None, using: str = "default", **kwargs: Any) -> None:
    """Create the four role groups and give each exactly the permissions of ROLE_PERMISSIONS.

    Connected to ``post_migrate`` so every install (and every test database) has them;
    also available as ``manage.py sync_roles``. Idempotent.
    """
    app_configs = [config for config in apps.get_app_configs() if config.models_module]
    if sender is not None and sender is not app_configs[-1]:
        return  # post_migrate is sent once per app: act once, after the last one
    for config in app_configs:
        # Permissions are otherwise created by another post_migrate receiver that may run
        # after this one.
        create_permissions(config, verbosity=0, using=using)
    wanted = {codename for codenames in ROLE_PERMISSIONS.values() for codename in codenames}
    by_key = {
        f"{permission.content_type.app_label}.{permission.codename}": permission
        for permission in Permission.objects.using(using).select_related("content_type")
    }
    missing = wanted - set(by_key)
    if missing:
        raise LookupError(f"Unknown permissions in ROLE_PERMISSIONS: {sorted(missing)}")
    with transaction.atomic(using=using):
        for role, codenames in ROLE_PERMISSIONS.items():
            group, _ = Group.objects.using(using).get_or_create(name=GROUP_NAMES[role])
            group.permissions.set([by_key[codename] for codename in codenames])


def user_set_roles(*, user: User, roles: Iterable[Role]) -> None:
    """Give ``user`` exactly ``roles`` (the role groups; other groups are left alone)."""
    role_groups = Group.objects.filter(name__in=GROUP_NAMES.values())
    wanted = {GROUP_NAMES[role] for role in roles}
    with transaction.atomic():
        user.groups.remove(*[group for group in role_groups if group.name not in wanted])
        user.groups.add(*[group for group in role_groups if group.name in wanted])
    user.__dict__.pop("roles", None)


ROLES_NOTIFY_TASK = "cainamur.tasks.roles_change_notify"


def roles_changed(*, user: User, before: set[str], after: set[str], by: User) -> AuditEvent:
    """Record who granted or withdrew which roles, and tell the superusers by e-mail
    (after commit; the task reads the audit row, its only argument is the row's id)."""

    def names(groups: set[str]) -> str:
        return ", ".join(sorted(groups)) or gettext("aucun")

    event = audit.record(
        by=by,
        action="cainamur.roles_change",
        summary=gettext("Rôles de %(user)s : %(before)s → %(after)s")
        % {"user": user.username, "before": names(before), "after": names(after)},
        obj=user,
        data={"before": sorted(before), "after": sorted(after)},
    )
    queue_on_commit(ROLES_NOTIFY_TASK, event.pk)
    return event


def roles_change_mail(event_id: int) -> int:
    """Mail one role change to every active superuser with an address; returns how many."""
    event = AuditEvent.objects.select_related("actor").get(pk=event_id)
    recipients = list(
        User.objects.filter(is_superuser=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return 0
    when = timezone.localtime(event.at)
    with translation.override("fr"):
        subject = gettext("[CAI Namur] Compte modifié : rôles ou sécurité")
        body = gettext(
            "%(summary)s\n\nPar : %(actor)s\nLe : %(when)s\n\n"
            "Si ce changement n'était pas prévu, vérifiez le compte dans l'administration."
        ) % {
            "summary": event.summary,
            "actor": event.actor.username if event.actor else gettext("système"),
            "when": f"{when:%d/%m/%Y %H:%M}",
        }
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return len(recipients)


def read_alert_mail(alert_id: int) -> int:
    """Mail an unusual reading to the coordinators (and superusers) with an address."""
    alert = ReadAlert.objects.select_related("actor").get(pk=alert_id)
    recipients = sorted(
        set(
            User.objects.filter(is_active=True)
            .filter(
                models.Q(groups__name=GROUP_NAMES[Role.COORDINATOR]) | models.Q(is_superuser=True)
            )
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
    if not recipients:
        return 0
    when = timezone.localtime(alert.at)
    with translation.override("fr"):
        subject = gettext("[CAI Namur] Consultation inhabituelle de dossiers")
        body = gettext(
            "%(kind)s : le compte %(user)s (%(count)s dossier(s)), le %(when)s.\n\n"
            "Le journal des consultations de ce compte est dans l'application "
            "(Coordination → Journal des consultations)."
        ) % {
            "kind": alert.get_kind_display(),
            "user": alert.actor.username,
            "count": alert.count,
            "when": f"{when:%d/%m/%Y %H:%M}",
        }
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return len(recipients)


def account_change_notify(event: AuditEvent) -> None:
    """Tell the superusers of a change that could hand an account to someone else (a
    password set by an administrator, a second factor reset), like a role change."""
    queue_on_commit(ROLES_NOTIFY_TASK, event.pk)
