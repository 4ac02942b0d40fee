"""The controller's side of the register, in the Django admin.

Every change that a rule governs (admin rights, ending a membership, revoking an
invitation, creating an organization with its first admin) goes through
``services``: the admin forms show those fields read-only and offer actions instead.
The audit tables are read-only, and guardian's object-permission pages
(``GuardedModelAdmin``) are deliberately not used: they let staff grant themselves
rights (guardian issue #756).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.sources import DataSource
from registry.admin_tools import (
    EstimatedCountPaginator,
    ReadOnlyAdmin,
    ServiceCreatedAdmin,
    search_text_results,
)

from . import selectors, services
from .forms import (
    BankAccountForm,
    ClaimDecisionForm,
    ContactPersonForm,
    OrganizationForm,
    OrganizationVerifyForm,
)
from .models import (
    AdminRightChange,
    BankAccount,
    ContactPerson,
    Invitation,
    MemberDataView,
    Membership,
    Organization,
    OrganizationClaim,
    OrganizationGroupObjectPermission,
    OrganizationUserObjectPermission,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.forms import BaseInlineFormSet
    from django.http import HttpRequest


def _run_for_each(
    request: HttpRequest,
    objects: QuerySet,
    service: Callable[[Any], Any],
    *,
    done: Callable[[int], str],
) -> None:
    """Call ``service`` for each object; a broken rule becomes a message, never a 500."""
    succeeded = 0
    for obj in objects:
        try:
            service(obj)
        except services.RuleError as error:
            messages.error(request, f"{_display_name(obj)}: {' '.join(error.messages)}")
        else:
            succeeded += 1
    if succeeded:
        messages.success(request, done(succeeded))


def _display_name(obj: Membership | Invitation) -> str:
    membership = obj.membership if isinstance(obj, Invitation) else obj
    return membership.name or membership.email or str(membership.pk)


# --- Organizations ------------------------------------------------------------------------


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


class BankAccountInline(admin.TabularInline):
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


@admin.register(Organization)
class OrganizationAdmin(ServiceCreatedAdmin):
    form = OrganizationForm
    add_form = OrganizationAddForm
    inlines = [BankAccountInline, ContactPersonInline]
    list_display = ["name", "kind", "business_id", "verified", "city", "email", "created_at"]
    list_filter = [("verified_at", admin.EmptyFieldListFilter), "kind"]
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
        (_("Admins"), {"fields": ["admins"]}),
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


@admin.register(OrganizationClaim)
class OrganizationClaimAdmin(admin.ModelAdmin):
    """The controller decides claims here: the record is read-only, and the decision goes
    through ``services`` (approve transfers the organization, reject tells the claimant)."""

    list_display = ["created_at", "organization", "claimant", "status", "decided_at"]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["organization", "claimant"]
    search_fields = ["organization__name", "organization__business_id", "claimant__email"]
    search_help_text = _("The organization's name or business ID, or the claimant's email.")
    ordering = ["-id"]
    fields = [
        "organization",
        "business_id",
        "organization_verified",
        "current_admins",
        "claimant",
        "claimant_email",
        "statement",
        "status",
        "created_at",
        "decided_at",
        "decided_by",
        "decision_note",
        "filed_notice_sent_at",
        "decision_notice_sent_at",
    ]
    readonly_fields = fields
    change_form_template = "admin/organizations/organizationclaim/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Claims are filed by people in the service, who are the claimants.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The claim is the evidence an approved transfer rests on.
        return False

    def has_manage_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("organizations.change_organizationclaim")

    @admin.display(description=_("business ID (Y-tunnus)"))
    def business_id(self, obj: OrganizationClaim) -> str:
        return obj.organization.business_id

    @admin.display(description=_("verified"), boolean=True)
    def organization_verified(self, obj: OrganizationClaim) -> bool:
        return obj.organization.is_verified

    @admin.display(description=_("email address"))
    def claimant_email(self, obj: OrganizationClaim) -> str:
        return obj.claimant.email

    @admin.display(description=_("Current admins"))
    def current_admins(self, obj: OrganizationClaim) -> str:
        return _admins_html(obj.organization)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if obj is not None and obj.is_pending and self.has_manage_permission(request):
            extra["decision_form"] = ClaimDecisionForm()
            extra["decide_url"] = reverse(
                "admin:organizations_organizationclaim_decide", args=[obj.pk]
            )
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self):
        urls = [
            path(
                "<int:object_id>/decide/",
                self.admin_site.admin_view(require_POST(self.decide_view)),
                name="organizations_organizationclaim_decide",
            )
        ]
        return urls + super().get_urls()

    def decide_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Approve (and transfer) or reject the claim, as the button pressed says."""
        if not self.has_manage_permission(request):
            raise PermissionDenied
        claim = self.get_object(request, str(object_id))
        if claim is None:
            raise Http404
        change_url = reverse("admin:organizations_organizationclaim_change", args=[claim.pk])
        form = ClaimDecisionForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return HttpResponseRedirect(change_url)
        note = form.cleaned_data["note"]
        try:
            if "approve" in request.POST:
                services.organization_claim_approve(
                    claim=claim,
                    actor=request.user,
                    note=note,
                    remove_previous_admins=form.cleaned_data["remove_previous_admins"],
                )
                done = gettext(
                    "Claim approved: the claimant is now an admin of the organization, which "
                    "is verified. Both sides are being told."
                )
            elif "reject" in request.POST:
                services.organization_claim_reject(claim=claim, actor=request.user, note=note)
                done = gettext("Claim rejected; the claimant is being told.")
            else:
                messages.error(request, gettext("Choose to approve or to reject the claim."))
                return HttpResponseRedirect(change_url)
        except services.RuleError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(change_url)
        self.log_change(request, claim, done)
        messages.success(request, done)
        return HttpResponseRedirect(change_url)


# --- Memberships --------------------------------------------------------------------------


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Read-only records; rights and status change only through the actions (services)."""

    list_display = [
        "member_name",
        "email",
        "organization",
        "member_number",
        "status",
        "role",
        "joined_on",
        "ended_on",
    ]
    list_filter = ["status", "role"]
    list_select_related = ["organization"]
    # Needed by Django to show the search box; get_search_results does the searching.
    search_fields = ["search_text"]
    search_help_text = _("Name, email address or member number.")
    # Follows membership_sort_idx, so an unfiltered list of millions reads 100 index rows.
    ordering = ["organization_id", "sort_name", "id"]
    # Never a <select> of every user or organization, should a form ever edit them.
    autocomplete_fields = ["organization", "user"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    fields = [
        "organization",
        "user",
        "name",
        "email",
        "member_number",
        "status",
        "role",
        "joined_on",
        "ended_on",
        "created_at",
        "updated_at",
    ]
    actions = ["grant_admin_rights", "revoke_admin_rights", "end_membership"]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        return search_text_results(queryset, search_term, path="search_text"), False

    def has_add_permission(self, request: HttpRequest) -> bool:
        # People join by invitation, or as the first admin of a new organization.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Membership | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Membership | None = None) -> bool:
        # Deleting would drop an admin without the last-admin rule and leave their rights.
        return False

    def has_manage_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("organizations.change_membership")

    @admin.display(description=_("name"), ordering="sort_name")
    def member_name(self, obj: Membership) -> str:
        return obj.name or "—"

    @admin.action(description=_("Grant admin rights"), permissions=["manage"])
    def grant_admin_rights(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        _run_for_each(
            request,
            queryset.select_related("organization", "user"),
            lambda m: services.membership_admin_grant(membership=m, actor=request.user),
            done=lambda n: (
                ngettext(
                    "Admin rights granted to %(count)d member.",
                    "Admin rights granted to %(count)d members.",
                    n,
                )
                % {"count": n}
            ),
        )

    @admin.action(description=_("Revoke admin rights"), permissions=["manage"])
    def revoke_admin_rights(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        _run_for_each(
            request,
            queryset.select_related("organization", "user"),
            lambda m: services.membership_admin_revoke(membership=m, actor=request.user),
            done=lambda n: (
                ngettext(
                    "Admin rights revoked from %(count)d member.",
                    "Admin rights revoked from %(count)d members.",
                    n,
                )
                % {"count": n}
            ),
        )

    @admin.action(description=_("End membership"), permissions=["manage"])
    def end_membership(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        _run_for_each(
            request,
            queryset.select_related("organization", "user"),
            lambda m: services.membership_end(membership=m, actor=request.user),
            done=lambda n: (
                ngettext("%(count)d membership ended.", "%(count)d memberships ended.", n)
                % {"count": n}
            ),
        )


# --- Invitations --------------------------------------------------------------------------


class InvitationStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("open", _("Open")),
            ("expired", _("Expired")),
            ("accepted", _("Accepted")),
            ("revoked", _("Revoked")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        pending = Q(accepted_at__isnull=True, revoked_at__isnull=True)
        match self.value():
            case "open":
                return queryset.filter(pending, expires_at__gt=now)
            case "expired":
                return queryset.filter(pending, expires_at__lte=now)
            case "accepted":
                return queryset.filter(accepted_at__isnull=False)
            case "revoked":
                return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "organization",
        "created_at",
        "expires_at",
        "sent_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = [InvitationStateFilter, ("sent_at", admin.EmptyFieldListFilter)]
    list_select_related = ["membership__organization"]
    search_fields = ["membership__search_text"]
    search_help_text = _("Name, email address or member number of the invited person.")
    ordering = ["-id"]  # newest first, along the primary key
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # token_hash is left out on purpose: it is never shown.
    fields = [
        "email",
        "organization",
        "membership",
        "created_at",
        "created_by",
        "expires_at",
        "sent_at",
        "accepted_at",
        "accepted_email",
        "revoked_at",
    ]
    readonly_fields = ["email", "organization"]
    actions = ["revoke_invitations"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        return super().get_queryset(request).select_related("membership__organization")

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        return (
            search_text_results(queryset, search_term, path="membership__search_text"),
            False,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Invitation | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Invitation | None = None) -> bool:
        return False

    def has_manage_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("organizations.change_invitation")

    @admin.display(description=_("email address"), ordering="membership__email")
    def email(self, obj: Invitation) -> str:
        return obj.membership.email

    @admin.display(description=_("organization"))
    def organization(self, obj: Invitation) -> Organization:
        return obj.membership.organization

    @admin.action(description=_("Revoke invitation"), permissions=["manage"])
    def revoke_invitations(self, request: HttpRequest, queryset: QuerySet[Invitation]) -> None:
        _run_for_each(
            request,
            queryset.select_related("membership"),
            lambda i: services.invitation_revoke(invitation=i, actor=request.user),
            done=lambda n: (
                ngettext("%(count)d invitation revoked.", "%(count)d invitations revoked.", n)
                % {"count": n}
            ),
        )


# --- Logs ---------------------------------------------------------------------------------


@admin.register(AdminRightChange)
class AdminRightChangeAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "organization", "member", "action", "changed_by"]
    list_filter = ["action", ("changed_at", admin.DateFieldListFilter)]
    list_select_related = ["organization", "membership", "changed_by"]
    search_fields = ["membership__search_text"]
    search_help_text = _("The member's name, email address or member number.")
    ordering = ["-id"]  # newest first, along the primary key

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        # The member only: an OR with another table's column would scan the whole log.
        # One organization's changes are linked from its page.
        results = search_text_results(queryset, search_term, path="membership__search_text")
        return results, False

    @admin.display(description=_("member"), ordering="membership__sort_name")
    def member(self, obj: AdminRightChange) -> str:
        return obj.membership.name or obj.membership.email


@admin.register(MemberDataView)
class MemberDataViewAdmin(ReadOnlyAdmin):
    list_display = ["viewed_at", "subject", "viewer_name", "organization", "channel"]
    list_filter = ["channel", ("viewed_at", admin.DateFieldListFilter)]
    list_select_related = ["organization", "subject"]
    # Whose data: "who has seen my data" is the question this log answers. Searching the
    # viewer's name as well would scan the whole log; one organization's views are
    # linked from its page.
    search_fields = ["subject__email", "subject__first_name", "subject__last_name"]
    search_help_text = _("Whose data: name or email address.")
    ordering = ["-id"]  # newest first, along the primary key


# --- guardian's object permissions ----------------------------------------------------------


class ObjectPermissionAdmin(ReadOnlyAdmin):
    """For inspection only: rights are granted and revoked by the membership actions."""

    list_select_related = ["content_object", "permission"]
    list_display = ["content_object", "permission_codename"]
    search_fields = ["content_object__name"]
    ordering = ["-id"]

    @admin.display(description=_("permission"), ordering="permission__codename")
    def permission_codename(self, obj: Any) -> str:
        return obj.permission.codename


@admin.register(OrganizationUserObjectPermission)
class OrganizationUserObjectPermissionAdmin(ObjectPermissionAdmin):
    list_display = ["user", *ObjectPermissionAdmin.list_display]
    list_select_related = ["user", *ObjectPermissionAdmin.list_select_related]
    search_fields = ["user__email", *ObjectPermissionAdmin.search_fields]


@admin.register(OrganizationGroupObjectPermission)
class OrganizationGroupObjectPermissionAdmin(ObjectPermissionAdmin):
    list_display = ["group", *ObjectPermissionAdmin.list_display]
    list_select_related = ["group", *ObjectPermissionAdmin.list_select_related]
    search_fields = ["group__name", *ObjectPermissionAdmin.search_fields]
