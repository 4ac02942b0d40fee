"""Claims to an organization (a second registration of its Y-tunnus), decided by the
controller."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from organizations import services
from organizations.admin.organizations import _admins_html
from organizations.forms import (
    ClaimDecisionForm,
)
from organizations.models import (
    OrganizationClaim,
)

if TYPE_CHECKING:
    from django.http import HttpRequest


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
