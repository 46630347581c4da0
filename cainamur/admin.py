from typing import Any, Literal

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.contrib.auth.models import Group
from django.core.files import File
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from cainamur import audit
from cainamur.admin_site import ReadOnlyAdminMixin
from cainamur.models import AuditEvent, Centre, Export, User
from cainamur.roles import ALL_OFFICES_ROLES, ROLE_BY_GROUP_NAME
from cainamur.second_factor import second_factor_reset
from cainamur.services import account_change_notify, roles_changed


class OfficesRequiredMixin(forms.ModelForm):
    """Staff who do not see every office must belong to at least one, or they see nothing."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean() returns cleaned_data
        groups: list[Group] = list(cleaned.get("groups") or [])
        roles = {ROLE_BY_GROUP_NAME[g.name] for g in groups if g.name in ROLE_BY_GROUP_NAME}
        if roles and not roles & ALL_OFFICES_ROLES and not cleaned.get("offices"):
            self.add_error(
                "offices",
                _("Choisissez au moins un bureau : sans bureau, ce rôle ne voit aucun dossier."),
            )
        return cleaned


class StaffChangeForm(OfficesRequiredMixin, UserChangeForm):
    pass


class StaffCreationForm(OfficesRequiredMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined]
        model = User
        fields = ("username", "first_name", "last_name", "email", "groups", "offices")


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = (
        "username",
        "last_name",
        "first_name",
        "email",
        "role_list",
        "office_list",
        "is_active",
    )
    list_filter = ("groups", "offices", "is_active", "is_staff")
    search_fields = ("username", "first_name", "last_name", "email")
    filter_horizontal = ("groups", "offices", "user_permissions")
    form = StaffChangeForm
    add_form = StaffCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name", "email", "function")}),
        (
            _("Rôles et bureaux"),
            {
                "fields": ("groups", "offices", "is_active", "is_staff"),
                "description": _(
                    "Les rôles sont les groupes Accueil, Accompagnement, Coordination et "
                    "Administration. Le statut « équipe » est nécessaire pour entrer dans "
                    "l'administration, réservée au rôle Administration."
                ),
            },
        ),
        (
            _("Droits avancés"),
            {"classes": ("collapse",), "fields": ("is_superuser", "user_permissions")},
        ),
        (_("Dates importantes"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "groups",
                    "offices",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # An administrator manages roles and offices, not raw privileges (their own
            # included): only a superuser hands out superuser status or loose permissions.
            readonly += ["is_superuser", "user_permissions"]
            if obj is not None and obj.pk == request.user.pk:
                # Nor their own roles, offices or access: someone else grants those.
                readonly += ["groups", "offices", "is_staff", "is_active"]
        return readonly

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        """A superuser is changed (password included) only by a superuser."""
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """The bulk « delete selected » action never takes a superuser along."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if not request.user.is_superuser and any(user.is_superuser for user in objs):
            perms_needed = {*perms_needed, str(_("super-utilisateur"))}
        return deleted, model_count, perms_needed, protected

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Every change of a person's roles is recorded (who granted what) and the
        superusers are told by e-mail."""
        user: User = form.instance
        before = set(user.groups.values_list("name", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(user.groups.values_list("name", flat=True))
        if before != after:
            assert isinstance(request.user, User)
            roles_changed(user=user, before=before, after=after, by=request.user)

    actions = ("reset_second_factor",)

    @admin.action(description=_("Réinitialiser la double authentification"))
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """The person sets up a new second factor at the next login (a lost phone).
        Never a superuser's (unless done by a superuser), never one's own."""
        actor = request.user
        assert isinstance(actor, User)
        done = []
        for user in queryset:
            if user.pk == actor.pk or (user.is_superuser and not actor.is_superuser):
                self.message_user(
                    request,
                    _("%(user)s : non réinitialisé (votre compte ou un super-utilisateur).")
                    % {"user": user.username},
                    level=messages.WARNING,
                )
                continue
            second_factor_reset(user=user, by=actor)
            done.append(user.username)
        if done:
            self.message_user(
                request,
                _(
                    "Double authentification réinitialisée : %(users)s. À la prochaine connexion, "
                    "la personne en active une nouvelle."
                )
                % {"users": ", ".join(done)},
            )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("groups", "offices")

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """A password set by someone else is recorded and the superusers are told."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.get(pk=id)
            actor = request.user
            assert isinstance(actor, User)
            event = audit.record(
                by=actor,
                action="cainamur.password_set",
                summary=_("Mot de passe de %(user)s défini par %(by)s")
                % {"user": user.username, "by": actor.username},
                obj=user,
            )
            account_change_notify(event)
        return response

    @admin.display(description=_("rôles"))
    def role_list(self, obj: User) -> str:
        return ", ".join(sorted(group.name for group in obj.groups.all()))

    @admin.display(description=_("bureaux"))
    def office_list(self, obj: User) -> str:
        return ", ".join(office.name for office in obj.offices.all())


class CentreForm(forms.ModelForm):
    class Meta:
        model = Centre
        fields = (
            "name",
            "description",
            "logo",
            "street",
            "postal_code",
            "city",
            "phone",
            "email",
            "website",
            "place_of_issue",
            "signatory_name",
            "signatory_function",
        )

    def clean_logo(self) -> File | Literal[False] | None:  # False: the logo was cleared
        logo = self.cleaned_data.get("logo")
        if logo and getattr(logo, "size", 0) > 200 * 1024:
            raise forms.ValidationError(_("Le logo dépasse 200 Ko : réduisez-le."))
        return logo


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    """The centre's identity printed on documents: one row, changed here."""

    form = CentreForm
    list_display = ("name", "city", "signatory_name", "updated_at")
    fieldsets = (
        (_("Identité"), {"fields": ("name", "description", "logo")}),
        (
            _("Coordonnées"),
            {"fields": ("street", "postal_code", "city", "phone", "email", "website")},
        ),
        (_("Attestations"), {"fields": ("place_of_issue", "signatory_name", "signatory_function")}),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a single row, created by a migration

    def has_delete_permission(self, request: HttpRequest, obj: Centre | None = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail, read-only, for superusers (it names every file and who acted)."""

    list_display = ("at", "action", "summary", "beneficiary", "actor")
    list_filter = ("action",)
    search_fields = ("beneficiary__file_number", "actor__username", "action")
    list_select_related = ("beneficiary", "actor")
    date_hierarchy = "at"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(Export)
class ExportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The export log, read-only, for superusers (who exported which list, with which
    filters, how many rows); the files themselves are only for who asked for them."""

    list_display = ("requested_at", "label", "format", "rows", "status", "requested_by")
    list_filter = ("source", "format", "status")
    search_fields = ("requested_by__username", "label")
    list_select_related = ("requested_by",)
    date_hierarchy = "requested_at"
    exclude = ("query", "file")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Export | None = None) -> bool:
        return bool(request.user.is_superuser)
