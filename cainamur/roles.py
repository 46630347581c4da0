"""The four staff roles, held as Django groups.

After every ``migrate`` (a ``post_migrate`` receiver) and on ``manage.py sync_roles``, each
role's group is created if needed and given exactly the permissions listed here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RECEPTION = "accueil", _("Accueil")
    CASEWORKER = "accompagnement", _("Accompagnement")
    COORDINATOR = "coordination", _("Coordination")
    ADMINISTRATOR = "administration", _("Administration")


# Group names as admins see them in the Django admin.
GROUP_NAMES: dict[Role, str] = {
    Role.RECEPTION: "Accueil",
    Role.CASEWORKER: "Accompagnement",
    Role.COORDINATOR: "Coordination",
    Role.ADMINISTRATOR: "Administration",
}
ROLE_BY_GROUP_NAME: dict[str, Role] = {name: role for role, name in GROUP_NAMES.items()}

# Roles that see the files of every office; the others see their own offices only.
ALL_OFFICES_ROLES: frozenset[Role] = frozenset({Role.COORDINATOR, Role.ADMINISTRATOR})

# Model permissions ("app_label.codename") each role's group holds.
_READ_REFERENCE = (
    "offices.view_office",
    "beneficiaries.view_commune",
    "beneficiaries.view_cpas",
)
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.RECEPTION: (
        *_READ_REFERENCE,
        "beneficiaries.view_beneficiary",
        "beneficiaries.add_beneficiary",
    ),
    Role.CASEWORKER: (
        *_READ_REFERENCE,
        "beneficiaries.view_beneficiary",
        "beneficiaries.add_beneficiary",
        "beneficiaries.change_beneficiary",
        "beneficiaries.view_health_data",
        "beneficiaries.view_national_number",
        "beneficiaries.view_exemption",
        "beneficiaries.add_exemption",
        "beneficiaries.delete_exemption",
    ),
    Role.COORDINATOR: (
        *_READ_REFERENCE,
        "beneficiaries.view_beneficiary",
        "beneficiaries.add_beneficiary",
        "beneficiaries.change_beneficiary",
        "beneficiaries.view_health_data",
        "beneficiaries.view_national_number",
        "beneficiaries.view_exemption",
        "beneficiaries.add_exemption",
        "beneficiaries.delete_exemption",
        "beneficiaries.change_commune",
        "beneficiaries.change_cpas",
        "parcours.view_rulesconfig",
    ),
    Role.ADMINISTRATOR: (
        *_READ_REFERENCE,
        "offices.add_office",
        "offices.change_office",
        "offices.view_openinghours",
        "offices.add_openinghours",
        "offices.change_openinghours",
        "offices.delete_openinghours",
        "offices.view_room",
        "offices.add_room",
        "offices.change_room",
        "offices.view_closure",
        "offices.add_closure",
        "offices.change_closure",
        "offices.delete_closure",
        "offices.view_staffavailability",
        "offices.add_staffavailability",
        "offices.change_staffavailability",
        "offices.delete_staffavailability",
        "offices.view_absence",
        "offices.add_absence",
        "offices.change_absence",
        "offices.delete_absence",
        "appointments.view_appointmenttype",
        "appointments.change_appointmenttype",
        "operators.view_operator",
        "operators.add_operator",
        "operators.change_operator",
        "operators.view_offer",
        "operators.add_offer",
        "operators.change_offer",
        "reception.view_permanence",
        "reception.add_permanence",
        "reception.change_permanence",
        "beneficiaries.view_beneficiary",
        "beneficiaries.change_commune",
        "beneficiaries.change_cpas",
        "parcours.view_rulesconfig",
        "parcours.change_rulesconfig",
        "parcours.view_suspension",
        "parcours.add_suspension",
        "parcours.change_suspension",
        "cainamur.view_centre",
        "cainamur.change_centre",
        "attestations.view_attestation",
        "outbox.view_dispatch",
        "cainamur.view_user",
        "cainamur.add_user",
        "cainamur.change_user",
        "auth.view_group",
        # Unlock a colleague locked out after failed logins.
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        # Retention periods (GDPR): set by administrators; the runs are read-only.
        "rights.view_retentionrule",
        "rights.change_retentionrule",
        "rights.view_retentionrun",
        # Translations of what the centre writes to people: reviewed, or back « à relire ».
        "beneficiaries.view_translationreview",
        "beneficiaries.add_translationreview",
        "beneficiaries.delete_translationreview",
    ),
}
