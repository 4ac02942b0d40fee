from functools import partial

from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from allauth.usersessions.admin import UserSessionAdmin as AllauthUserSessionAdmin
from allauth.usersessions.models import UserSession
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import display_for_value
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, SetUnusablePasswordMixin
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from registry.admin_tools import (
    EstimatedCountPaginator,
    TranslatedPermissionsMixin,
    confirm_action,
)

from .events import profile_changed, profile_viewed
from .models import LoginEvent, User
from .services import (
    PROFILE_FIELDS,
    StaffChangeRefused,
    profile_sources_record,
    user_grant_staff,
    user_revoke_staff,
)
from .sources import DataSource


class UserChangeForm(DjangoUserChangeForm):
    data_source = forms.ChoiceField(
        label=_("Source of the changes"),
        choices=[
            (DataSource.CONTROLLER, DataSource.CONTROLLER.label),
            (DataSource.SUBJECT, _("The person themselves (by phone, letter or email)")),
            (DataSource.PUBLIC_REGISTER, DataSource.PUBLIC_REGISTER.label),
            (DataSource.CREDIT_REGISTER, DataSource.CREDIT_REGISTER.label),
        ],
        initial=DataSource.CONTROLLER,
        help_text=_("Recorded for every profile field changed now; the person sees it."),
    )
    source_note = forms.CharField(label=_("Note on the source"), max_length=200, required=False)


class PasswordChangeForm(AdminPasswordChangeForm):
    # Django's adds its warning to the help text in English, at import.
    usable_password_help_text = format_lazy(
        '{}<ul id="id_unusable_warning" class="messagelist"><li class="warning">{}</li></ul>',
        SetUnusablePasswordMixin.usable_password_help_text,
        _("If disabled, the current password for this user will be lost."),
    )


@admin.register(User)
class UserAdmin(TranslatedPermissionsMixin, DjangoUserAdmin):
    form = UserChangeForm
    change_password_form = PasswordChangeForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "city", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "preferred_language"]
    # ILIKE on the bare columns, which their trigram indexes answer on PostgreSQL; the
    # default icontains wraps each column in UPPER() and reads the whole table, twice per
    # search (the count and the page).
    search_fields = ["email__ilike", "first_name__ilike", "last_name__ilike"]
    # Staff rights change only through the actions below (the grant needs a second factor
    # first), never by ticking a box on the form.
    readonly_fields = [
        "last_login",
        "date_joined",
        "profile_updated_at",
        "is_staff",
        "is_superuser",
        "staff_granted_at",
        "staff_granted_by",
    ]
    actions = ["grant_staff", "grant_superuser", "revoke_staff"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Profile"),
            {
                "fields": (
                    "first_name",
                    "last_name",
                    "street_address",
                    "postal_code",
                    "city",
                    "country",
                    "phone",
                    "date_of_birth",
                    "preferred_language",
                    "profile_updated_at",
                )
            },
        ),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "staff_granted_at",
                    "staff_granted_by",
                    "groups",
                    "user_permissions",
                ),
                "description": _(
                    "Staff rights are granted and revoked with the actions of the user list;"
                    " they can be granted only to a person who has enabled two-factor"
                    " authentication."
                ),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
        (_("Source of the changes"), {"fields": ("data_source", "source_note")}),
    )

    def has_staff_rights_permission(self, request) -> bool:
        return request.user.is_superuser

    def _change_staff_rights(self, request, queryset, change, done: str) -> None:
        for user in queryset:
            try:
                change(user=user, actor=request.user)
            except StaffChangeRefused as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
            else:
                self.message_user(request, done % {"user": user}, messages.SUCCESS)

    @admin.action(description=_("Grant staff rights"), permissions=["staff_rights"])
    def grant_staff(self, request, queryset) -> None:
        self._change_staff_rights(
            request, queryset, user_grant_staff, _("%(user)s now has staff rights.")
        )

    @admin.action(description=_("Grant staff and superuser rights"), permissions=["staff_rights"])
    def grant_superuser(self, request, queryset) -> None:
        self._change_staff_rights(
            request,
            queryset,
            partial(user_grant_staff, superuser=True),
            _("%(user)s now has staff and superuser rights."),
        )

    @admin.action(description=_("Revoke staff rights"), permissions=["staff_rights"])
    def revoke_staff(self, request, queryset):
        asked = confirm_action(
            self,
            request,
            queryset,
            title=_("Revoke staff rights"),
            consequence=_(
                "These people can no longer sign in to the admin nor handle anything there; "
                "their own accounts stay as they are:"
            ),
            irreversible=_("This cannot be undone from here: the rights have to be granted again."),
        )
        if asked is not None:
            return asked
        self._change_staff_rights(
            request, queryset, user_revoke_staff, _("%(user)s no longer has staff rights.")
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        # Opening someone's record shows their data: it goes in their "who has seen my
        # data" log (a page that only answered 404 or a redirect showed nothing).
        if request.method == "GET" and response.status_code == 200:
            subject = (
                User.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
            )
            if subject is not None and subject.pk != request.user.pk:
                profile_viewed.send(sender=User, user=subject, viewer=request.user)
        return response

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        changed = [name for name in form.changed_data if name in PROFILE_FIELDS]
        if change and changed:
            # Where the controller's corrections came from, field by field.
            profile_sources_record(
                user=obj,
                fields=changed,
                source=form.cleaned_data["data_source"],
                actor=request.user,
                note=form.cleaned_data.get("source_note", ""),
            )
            transaction.on_commit(lambda: profile_changed.send(sender=User, user=obj))

    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(LoginEvent)
class LoginEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "user", "outcome", "ip_address"]
    list_filter = ["outcome", ("occurred_at", admin.DateFieldListFilter)]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(TranslatedPermissionsMixin, DjangoGroupAdmin):
    """Django's, with the permissions named in the active language."""


# allauth's own admins search ``user__username``, which this user model does not have, and
# fetch the user row by row; re-registered with the email login and a joined user.
admin.site.unregister(EmailAddress)
admin.site.unregister(Authenticator)
admin.site.unregister(UserSession)


@admin.register(EmailAddress)
class EmailAddressAdmin(AllauthEmailAddressAdmin):
    search_fields = ["email", "user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_search_fields(self, request):
        return self.search_fields


# allauth's second factors and sessions have no translated model or field names: named
# here (the model options only in memory, so that no migration of allauth's follows), and
# their columns and fields shown through displays with translated headers.
Authenticator._meta.verbose_name = _("authenticator")
Authenticator._meta.verbose_name_plural = _("authenticators")
UserSession._meta.verbose_name = _("user session")
UserSession._meta.verbose_name_plural = _("user sessions")


def _shown(field: str, description, *, choices: bool = False):
    """A read-only display of ``field`` under a translated header."""

    @admin.display(description=description, ordering=field)
    def show(self, obj):
        if choices:
            return getattr(obj, f"get_{field}_display")()
        return display_for_value(getattr(obj, field), "—")

    return show


def _filter(field: str, title, kind=admin.FieldListFilter):
    """A list filter on ``field`` under a translated title."""

    class Titled(kind):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.title = title

    return (field, Titled)


class UserSessionForm(forms.ModelForm):
    class Meta:
        model = UserSession
        fields = ["user", "ip", "last_seen_at", "user_agent", "data"]
        labels = {
            "user": _("user"),
            "ip": _("IP address"),
            "last_seen_at": _("last seen"),
            "user_agent": _("browser"),
            "data": _("data"),
        }


@admin.register(Authenticator)
class AuthenticatorAdmin(AllauthAuthenticatorAdmin):
    """Type and dates only: the secrets in ``data`` are never shown, not even to staff."""

    search_fields = ["user__email"]
    list_display = ["owner", "kind", "created", "last_used"]
    list_filter = [
        _filter("type", _("type"), admin.ChoicesFieldListFilter),
        _filter("created_at", _("created"), admin.DateFieldListFilter),
        _filter("last_used_at", _("last used"), admin.DateFieldListFilter),
    ]
    fields = ["owner", "kind", "created", "last_used"]
    readonly_fields = ["owner", "kind", "created", "last_used"]

    owner = _shown("user", _("user"))
    kind = _shown("type", _("type"), choices=True)
    created = _shown("created_at", _("created"))
    last_used = _shown("last_used_at", _("last used"))

    def has_add_permission(self, request) -> bool:
        return False

    list_select_related = ["user"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator


@admin.register(UserSession)
class UserSessionAdmin(AllauthUserSessionAdmin):
    search_fields = ["user__email", "ip"]
    list_display = ["owner", "created", "last_seen", "address", "browser"]
    form = UserSessionForm
    owner = _shown("user", _("user"))
    created = _shown("created_at", _("created"))
    last_seen = _shown("last_seen_at", _("last seen"))
    address = _shown("ip", _("IP address"))
    browser = _shown("user_agent", _("browser"))
    list_select_related = ["user"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
