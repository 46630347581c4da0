from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from cainamur.roles import ALL_OFFICES_ROLES, ROLE_BY_GROUP_NAME, Role


class User(AbstractUser):
    """A staff member of the centre. Roles are groups; offices say whose files they see."""

    email = models.EmailField(_("adresse e-mail"), unique=True)
    function = models.CharField(
        _("fonction"),
        max_length=120,
        blank=True,
        help_text=_("Affichée sur les documents signés, par ex. « Assistante sociale »."),
    )
    offices = models.ManyToManyField(
        "appointments.Office",
        verbose_name=_("bureaux"),
        related_name="staff",
        blank=True,
        help_text=_("Les bureaux dont ce membre du personnel voit les dossiers."),
    )

    class Meta:
        verbose_name = _("membre du personnel")
        verbose_name_plural = _("membres du personnel")
        ordering = ("last_name", "first_name")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def roles(self) -> frozenset[Role]:
        if not self.is_active:
            return frozenset()
        roles = {
            ROLE_BY_GROUP_NAME[group.name]
            for group in self.groups.all()
            if group.name in ROLE_BY_GROUP_NAME
        }
        if self.is_superuser:
            roles.add(Role.ADMINISTRATOR)
        return frozenset(roles)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def sees_all_offices(self) -> bool:
        return self.has_role(*ALL_OFFICES_ROLES)

    @cached_property
    def office_ids(self) -> frozenset[int]:
        return frozenset(self.offices.values_list("id", flat=True))

    @property
    def primary_role(self) -> Role | None:
        """The role whose home page the user lands on (the most specific one first)."""
        for role in (Role.COORDINATOR, Role.CASEWORKER, Role.RECEPTION, Role.ADMINISTRATOR):
            if role in self.roles:
                return role
        return None
