"""The controller's side of the register, in the Django admin.

Every change that a rule governs (admin rights, ending a membership, revoking an
invitation, creating an organization with its first admin) goes through
``services``: the admin forms show those fields read-only and offer actions instead.
The audit tables are read-only, and guardian's object-permission pages
(``GuardedModelAdmin``) are deliberately not used: they let staff grant themselves
rights (guardian issue #756).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.sources import DataSource
from organizations import selectors, services
from organizations.forms import (
    BankAccountForm,
    ContactPersonForm,
    OrganizationForm,
    OrganizationVerifyForm,
)
from organizations.models import (
    AdminRightChange,
    BankAccount,
    ContactPerson,
    MemberDataView,
    MemberListExport,
    Membership,
    Organization,
    OrganizationClaim,
)
from registry.admin_tools import (
    LabelledTabularInline,
    ServiceCreatedAdmin,
)

if TYPE_CHECKING:
    from django.forms import BaseInlineFormSet
    from django.http import HttpRequest


class OrganizationAddForm(OrganizationForm):
    first_admin = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True),
        # A <select> of every user would not load with a large register: search instead.
        # Any foreign key to the user model will do as the autocomplete's source field.
        widget=AutocompleteSelect(Membership._meta.get_field("user"), admin.site),
        label=_("First admin"),
        help_text=_(
            "Becomes the organization's first member and admin. Look the person up by "
            "name or email; they need an account first."
        ),
    )


ORGANIZATION_FIELDSETS = [
    (None, {"fields": ["name", "kind", "business_id", "association_register_number"]}),
    (
        _("Contact details"),
        {"fields": ["email", "phone", "street_address", "postal_code", "city", "website"]},
    ),
    (_("E-invoicing"), {"fields": ["e_invoice_address", "e_invoice_operator"]}),
]


class BankAccountInline(LabelledTabularInline):
    model = BankAccount
    form = BankAccountForm
    readonly_fields = ["bank_name"]
    extra = 0


class ContactPersonInline(admin.StackedInline):
    model = ContactPerson
    form = ContactPersonForm
    extra = 0


def _admins_html(organization: Organization) -> str:
    memberships = selectors.active_admins(organization=organization).order_by("sort_name", "pk")
    if not memberships:
        return _("No admins.")
    return format_html(
        "<ul>{}</ul>",
        format_html_join(
            "",
            '<li><a href="{}">{}</a> &lt;{}&gt;</li>',
            (
                (
                    reverse("admin:organizations_membership_change", args=[m.pk]),
                    m.name or m.email,
                    m.email,
                )
                for m in memberships
            ),
        ),
    )


class WithoutAdminFilter(admin.SimpleListFilter):
    """Organizations nobody administers (the admin home links here)."""

    title = _("admin")
    parameter_name = "without_admin"

    def lookups(self, request, model_admin):
        return [("yes", _("Without an admin"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=selectors.organizations_without_admin().values("pk"))
        return queryset


@admin.register(Organization)
class OrganizationAdmin(ServiceCreatedAdmin):
    form = OrganizationForm
    add_form = OrganizationAddForm
    inlines = [BankAccountInline, ContactPersonInline]
    list_display = ["name", "kind", "business_id", "verified", "city", "email", "created_at"]
    list_filter = [("verified_at", admin.EmptyFieldListFilter), WithoutAdminFilter, "kind"]
    search_fields = ["name", "business_id", "city"]
    fieldsets = [
        *ORGANIZATION_FIELDSETS,
        (
            _("Verification"),
            {
                "fields": [
                    "verification",
                    "verified_at",
                    "verified_by",
                    "verification_evidence",
                ]
            },
        ),
        (
            _("Admins"),
            {
                "fields": [
                    "admins",
                    "without_admin_since",
                    "without_admin_notified_at",
                    "successor_notified_at",
                ]
            },
        ),
        (_("Record"), {"fields": ["records", "created_at", "created_by"]}),
    ]
    # The first admin is named when the organization is added; after that, admin rights
    # change through the membership actions, which keep the last-admin rule.
    add_fieldsets = [(None, {"fields": ["first_admin"]}), *ORGANIZATION_FIELDSETS]
    # Verification is recorded only through its own page (organization_verify), which
    # asks for the evidence.
    readonly_fields = [
        "verification",
        "verified_at",
        "verified_by",
        "verification_evidence",
        "admins",
        "without_admin_since",
        "without_admin_notified_at",
        "successor_notified_at",
        "records",
        "created_at",
        "created_by",
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Organization | None = None):
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_form(self, request: HttpRequest, obj: Organization | None = None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, BankAccountInline):
            # The form checks for duplicate accounts within the organization.
            kwargs["form_kwargs"] = {"organization": obj if obj.pk else None}
        return kwargs

    def create_by_service(self, request: HttpRequest, form) -> Organization:
        return services.organization_create(
            data=form.cleaned_data,
            first_admin=form.cleaned_data["first_admin"],
            actor=request.user,
        )

    def update_by_service(self, request: HttpRequest, obj: Organization, form) -> None:
        services.organization_update(organization=obj, data=form.cleaned_data)

    def save_formset(
        self, request: HttpRequest, form, formset: BaseInlineFormSet, change: bool
    ) -> None:
        organization = form.instance
        saved = {id(instance) for instance in formset.save(commit=False)}
        changed_forms = [f for f in formset.forms if id(f.instance) in saved]
        if formset.model is BankAccount:
            for account in formset.deleted_objects:
                services.bank_account_delete(account=account)
            for account_form in changed_forms:
                services.bank_account_save(
                    organization=organization,
                    account=account_form.instance,
                    data=account_form.cleaned_data,
                )
        elif formset.model is ContactPerson:
            for contact in formset.deleted_objects:
                services.contact_person_delete(contact=contact)
            for contact_form in changed_forms:
                services.contact_person_save(
                    organization=organization,
                    contact=contact_form.instance,
                    data=contact_form.cleaned_data,
                    source=DataSource.CONTROLLER,
                )
        else:  # pragma: no cover - every inline is handled above
            raise NotImplementedError(formset.model)

    @admin.display(description=_("verified"), boolean=True, ordering="verified_at")
    def verified(self, obj: Organization) -> bool:
        return obj.is_verified

    @admin.display(description=_("Status"))
    def verification(self, obj: Organization) -> str:
        state = _("Verified") if obj.is_verified else _("Unverified")
        label = _("Verify again…") if obj.is_verified else _("Verify the organization…")
        return format_html(
            '{} <a class="button" href="{}">{}</a>',
            state,
            reverse("admin:organizations_organization_verify", args=[obj.pk]),
            label,
        )

    def has_verify_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("organizations.change_organization")

    def get_urls(self):
        urls = [
            path(
                "<int:object_id>/verify/",
                self.admin_site.admin_view(self.verify_view),
                name="organizations_organization_verify",
            )
        ]
        return urls + super().get_urls()

    def verify_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Record that the controller verified the organization, and on what evidence."""
        if not self.has_verify_permission(request):
            raise PermissionDenied
        organization = self.get_object(request, str(object_id))
        if organization is None:
            raise Http404
        change_url = reverse("admin:organizations_organization_change", args=[organization.pk])
        form = OrganizationVerifyForm(
            request.POST or None, initial={"evidence": organization.verification_evidence}
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.organization_verify(
                    organization=organization,
                    evidence=form.cleaned_data["evidence"],
                    actor=request.user,
                )
            except services.RuleError as error:
                form.add_error(None, error.messages)
            else:
                self.log_change(request, organization, gettext("Verified the organization."))
                messages.success(request, gettext("The organization is verified."))
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": organization,
            "title": gettext("Verify the organization"),
            "form": form,
            "change_url": change_url,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/organizations/organization/verify.html", context)

    @admin.display(description=_("Admins"))
    def admins(self, obj: Organization) -> str:
        return _admins_html(obj)

    @admin.display(description=_("Lists"))
    def records(self, obj: Organization) -> str:
        links = [
            (Membership, _("Members")),
            (AdminRightChange, _("Admin right changes")),
            (MemberDataView, _("Member data views")),
            (MemberListExport, _("Member list exports")),
            (OrganizationClaim, _("Claims")),
        ]
        return format_html_join(
            " · ",
            '<a href="{}?organization__id__exact={}">{}</a>',
            (
                (reverse(f"admin:organizations_{model._meta.model_name}_changelist"), obj.pk, label)
                for model, label in links
            ),
        )


# --- Claims ---------------------------------------------------------------------------------
