"""The Administration role cannot take over a superuser (issue 12, finding 2): it never
changes, resets or deletes a superuser, never changes its own roles, offices or access;
every role grant is recorded with who granted it and mailed to the superusers."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.core import mail

from cainamur.models import AuditEvent, User
from tests.factories import PASSWORD


def _superuser() -> User:
    return User.objects.create_superuser(
        "racine", email="racine@cainamur.test", password=PASSWORD, is_staff=True
    )


def test_an_administrator_cannot_change_reset_or_delete_a_superuser(
    login_client: Any, administrator: User
) -> None:
    root = _superuser()
    client = login_client(administrator)
    base = f"/admin/cainamur/user/{root.pk}"
    # The page is readable (who the superusers are), nothing in it can be changed.
    page = client.get(f"{base}/change/")
    assert page.status_code == 200 and 'name="password"' not in page.content.decode()
    assert 'type="submit" value="Enregistrer"' not in page.content.decode()
    refused = client.post(
        f"{base}/password/",
        {"password1": "Une-autre-phrase-2026", "password2": "Une-autre-phrase-2026"},
    )
    assert refused.status_code == 403
    assert client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    changed = client.post(
        f"{base}/change/",
        {"username": "racine", "email": "pirate@example.com", "first_name": "", "last_name": ""},
    )
    assert changed.status_code == 403
    bulk = client.post(
        "/admin/cainamur/user/",
        {"action": "delete_selected", "_selected_action": [root.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302, 403)
    root.refresh_from_db()
    assert root.check_password(PASSWORD) and root.email == "racine@cainamur.test"
    assert User.objects.filter(pk=root.pk).exists()


def test_an_administrator_cannot_change_their_own_roles(
    login_client: Any, administrator: User
) -> None:
    client = login_client(administrator)
    page = client.get(f"/admin/cainamur/user/{administrator.pk}/change/").content.decode()
    assert 'name="groups"' not in page and 'name="offices"' not in page
    coordination = Group.objects.get(name="Coordination")
    response = client.post(
        f"/admin/cainamur/user/{administrator.pk}/change/",
        {
            "username": administrator.username,
            "first_name": administrator.first_name,
            "last_name": administrator.last_name,
            "email": "admin@cainamur.test",
            "function": "",
            "groups": [coordination.pk],
            "is_staff": "on",
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302  # saved: their e-mail, not their roles
    administrator.refresh_from_db()
    assert administrator.email == "admin@cainamur.test"
    assert not administrator.groups.filter(name="Coordination").exists()


def test_every_role_grant_is_recorded_and_mailed_to_the_superusers(
    login_client: Any,
    administrator: User,
    caseworker: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _superuser()
    client = login_client(administrator)
    groups = [
        Group.objects.get(name="Accompagnement").pk,
        Group.objects.get(name="Coordination").pk,
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/cainamur/user/{caseworker.pk}/change/",
            {
                "username": caseworker.username,
                "first_name": caseworker.first_name,
                "last_name": caseworker.last_name,
                "email": "referente@cainamur.test",
                "function": "",
                "groups": groups,
                "offices": list(caseworker.offices.values_list("pk", flat=True)),
                "is_active": "on",
                "last_login_0": "",
                "last_login_1": "",
                "date_joined_0": "2026-01-01",
                "date_joined_1": "09:00:00",
            },
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(action="cainamur.roles_change")
    assert event.actor == administrator
    assert event.data == {
        "before": ["Accompagnement"],
        "after": ["Accompagnement", "Coordination"],
    }
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["racine@cainamur.test"]
    assert caseworker.username in message.body and administrator.username in message.body
