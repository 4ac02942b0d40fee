from __future__ import annotations

import calendar
import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from phonenumber_field.modelfields import PhoneNumberField
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from accounts.sources import DataSource
from registry.business_id import business_id_normalise
from registry.id_list import IdListField


def validate_business_id(value: str) -> None:
    """Model-level check: a valid Y-tunnus, in its written form."""
    normalised = business_id_normalise(value)
    if normalised != value:
        raise ValidationError(
            _("Write the business ID as %(value)s."), code="format", params={"value": normalised}
        )


def iban_normalise(value: str) -> str:
    """The IBAN in its compact form (what is stored and compared); ValidationError if bad."""
    try:
        return IBAN(value).compact
    except SchwiftyException as error:
        raise ValidationError(
            _("%(value)s is not a valid IBAN. Check the country code and the digits."),
            code="invalid",
            params={"value": value},
        ) from error


class Organization(models.Model):
    """A customer of the service: a flying club, a flight school or an aviation company."""

    class Kind(models.TextChoices):
        FLYING_CLUB = "flying_club", _("Flying club")
        FLIGHT_SCHOOL = "flight_school", _("Flight school")
        AVIATION_COMPANY = "aviation_company", _("Aviation company")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.FLYING_CLUB
    )
    business_id = models.CharField(
        _("business ID (Y-tunnus)"),
        max_length=9,
        blank=True,
        help_text=_("E.g. 2468823-3."),
        validators=[validate_business_id],
    )
    association_register_number = models.CharField(
        _("register number of the association"), max_length=20, blank=True
    )
    email = models.EmailField(_("email address"), blank=True)
    phone = PhoneNumberField(_("phone number"), blank=True)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    e_invoice_address = models.CharField(_("e-invoice address"), max_length=35, blank=True)
    e_invoice_operator = models.CharField(_("e-invoice operator"), max_length=35, blank=True)
    financial_period_end_month = models.PositiveSmallIntegerField(
        _("financial period ends in month"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_(
            "The month whose last day ends the financial period (December for a calendar "
            "year). Vouchers are kept six years from the end of the year the period ends in."
        ),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # Anyone may register an organization and use it at once; the controller verifies
    # that the people behind it really represent it (organization_verify). Until then a
    # registration proves nothing, and someone else may claim the business ID.
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verification_evidence = models.TextField(
        _("evidence of verification"),
        blank=True,
        editable=False,
        help_text=_("What the verification rests on, e.g. a trade register extract and its date."),
    )
    # Set when the erasure of its only admin left it without one (the controller
    # confirmed it); cleared when an admin is granted again. Its contact persons are told
    # once (``without_admin_notified_at``).
    without_admin_since = models.DateTimeField(
        _("without an admin since"), null=True, blank=True, editable=False
    )
    without_admin_notified_at = models.DateTimeField(
        _("contact persons told of no admin"), null=True, blank=True, editable=False
    )
    # When the successor the controller chose at such an erasure was last told by mail:
    # the notice's task, delivered twice, sends once.
    successor_notified_at = models.DateTimeField(
        _("successor told"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        permissions = [
            ("administer_organization", _("Can administer the organization and its members")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["business_id"],
                condition=~models.Q(business_id=""),
                name="organization_business_id_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    def financial_period_end(self, day: datetime.date) -> datetime.date:
        """The last day of the financial period that ``day`` falls in."""
        month = self.financial_period_end_month
        year = day.year if day.month <= month else day.year + 1
        return datetime.date(year, month, calendar.monthrange(year, month)[1])

    def voucher_retention_until(self, day: datetime.date) -> datetime.date:
        """Until when a voucher dated ``day`` is kept (Accounting Act 2:10): six years
        from the end of the calendar year in which its financial period ended."""
        return datetime.date(self.financial_period_end(day).year + 6, 12, 31)


class OrganizationUserObjectPermission(UserObjectPermissionBase):
    """guardian's per-object permissions, in a table with a real foreign key."""

    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("admin right")
        verbose_name_plural = _("admin rights")


class OrganizationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("group admin right")
        verbose_name_plural = _("group admin rights")


class BankAccount(models.Model):
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="bank_accounts",
        verbose_name=_("organization"),
    )
    iban = models.CharField(_("IBAN"), max_length=34)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=100, blank=True)
    is_primary = models.BooleanField(_("primary account for invoices"), default=False)

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ["-is_primary", "iban"]
        constraints = [
            # An account belongs to one organization: payments to it are matched to that
            # organization's invoices, so a second organization must not register it.
            models.UniqueConstraint(fields=["iban"], name="bankaccount_iban_unique"),
        ]

    def __str__(self) -> str:
        return self.formatted_iban

    @property
    def formatted_iban(self) -> str:
        return " ".join(self.iban[i : i + 4] for i in range(0, len(self.iban), 4))


class ContactPerson(models.Model):
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="contact_persons",
        verbose_name=_("organization"),
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=100, blank=True)
    phone = PhoneNumberField(_("phone number"), blank=True)
    email = models.EmailField(_("email address"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_roles",
        verbose_name=_("user account"),
    )
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=DataSource.choices,
        default=DataSource.ORGANIZATION_ADMIN,
    )

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})" if self.role else self.name


class Membership(models.Model):
    """A person in an organization's member register.

    An invited person has no user yet: the name and email the admin typed stand in until
    they accept. ``name``, ``email`` and ``search_text`` are kept in step with the user's
    profile so that the member list sorts and searches on one table.
    """

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        ADMIN = "admin", _("Admin")

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organization"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("user"),
    )
    member_number = models.CharField(_("member number"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_on = models.DateField(_("joined"), null=True, blank=True)
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=300, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    sort_name = models.CharField(max_length=300, blank=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)
    # Where the name and email came from: typed by an admin for an invitation, the
    # person's own profile once they accept.
    source = models.CharField(
        _("source"), max_length=20, choices=DataSource.choices, default=DataSource.SUBJECT
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["sort_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "member_number"],
                condition=~models.Q(member_number=""),
                name="membership_org_number_unique",
            ),
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=models.Q(user__isnull=False),
                name="membership_org_user_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "status", "sort_name"], name="membership_list_idx"
            ),
            models.Index(fields=["organization", "sort_name", "id"], name="membership_sort_idx"),
            models.Index(fields=["user", "status"], name="membership_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.email} — {self.organization_id}"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN and self.status == self.Status.ACTIVE


class MembershipTally(models.Model):
    """How many memberships an organization has, kept by PostgreSQL itself.

    Triggers on the membership table (migration 0010) add and subtract every insert, delete,
    ``COPY`` and move between organizations, bulk ones included, in the same transaction:
    nothing in Python writes here, so no code path can forget to. The member list's first
    page counted 30,000 rows for its "30,000 memberships" and its page links, a tenth of the
    page's time; now it reads one row. Other databases (SQLite in the quick start) have no
    triggers here and count (``selectors.membership_count``).
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    memberships = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.memberships}"


class Invitation(models.Model):
    """The link sent to an invited person. Only a hash of its token is stored."""

    membership = models.OneToOneField(
        Membership,
        on_delete=models.CASCADE,
        related_name="invitation",
        verbose_name=_("membership"),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    expires_at = models.DateTimeField(_("expires"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    # The verified address of the account that accepted: the membership's own address
    # follows the account afterwards, so this keeps which address the link was used with.
    accepted_email = models.EmailField(_("accepted with address"), blank=True, default="")
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.membership.email} ({self.created_at:%Y-%m-%d})"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired


class AdminRightChange(models.Model):
    """Who granted or revoked whose admin rights in an organization, and when."""

    class Action(models.TextChoices):
        GRANT = "grant", _("Granted")
        REVOKE = "revoke", _("Revoked")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="admin_changes", verbose_name=_("member")
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("admin right change")
        verbose_name_plural = _("admin right changes")
        ordering = ["-changed_at"]
        indexes = [models.Index(fields=["organization", "-changed_at"], name="adminchange_org_idx")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.membership_id} {self.changed_at:%Y-%m-%d}"


class MemberDataView(models.Model):
    """One organization admin (or one of the controller's staff) seeing one person's data:
    the "who has seen my data" log."""

    class Channel(models.TextChoices):
        DETAIL = "detail", _("Opened the member's details")
        EXPORT = "export", _("Exported the member list")
        CONTROLLER = "controller", _("Opened the person's record in the controller's admin")

    # Empty for the controller's staff, who see everyone's data, not an organization's.
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organization"),
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="data_views",
        verbose_name=_("whose data"),
    )
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("seen by"),
    )
    viewer_name = models.CharField(_("seen by (name)"), max_length=300, blank=True)
    channel = models.CharField(_("how"), max_length=10, choices=Channel.choices)
    viewed_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("member data view")
        verbose_name_plural = _("member data views")
        ordering = ["-viewed_at"]
        indexes = [
            models.Index(fields=["subject", "-viewed_at"], name="dataview_subject_idx"),
            models.Index(fields=["organization", "-viewed_at"], name="dataview_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.viewer_name} → {self.subject_id} ({self.viewed_at:%Y-%m-%d})"


class MemberListExport(models.Model):
    """One export of an organization's member list: who exported it, when, and whose data
    it held. Part of the "who has seen my data" log, beside ``MemberDataView``: one row per
    export with the members' ids in one column, not one row per member (an export of
    30,000 members wrote 30,000 rows)."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("organization"),
    )
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("seen by"),
    )
    viewer_name = models.CharField(_("seen by (name)"), max_length=300, blank=True)
    exported_at = models.DateTimeField(_("time"), default=timezone.now)
    # The users whose data the export held. A GIN index on PostgreSQL (migration 0009)
    # finds one member's exports; its pending list and lz4 keep an export's row cheap to
    # write (migration 0011).
    member_ids = IdListField(_("whose data"), default=list)

    class Meta:
        verbose_name = _("member list export")
        verbose_name_plural = _("member list exports")
        ordering = ["-exported_at"]
        indexes = [
            models.Index(fields=["organization", "-exported_at"], name="memberexport_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.viewer_name} ({self.exported_at:%Y-%m-%d})"


class OrganizationClaim(models.Model):
    """A person's claim to represent an organization already registered under its business
    ID: the controller approves it (the organization passes to the claimant) or rejects it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the controller")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="claims",
        verbose_name=_("organization"),
    )
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="organization_claims",
        verbose_name=_("claimant"),
    )
    statement = models.TextField(
        _("statement"),
        help_text=_(
            "Who you are in the organization and how you can show it, e.g. the trade "
            "register extract naming you, or the board's minutes."
        ),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("filed"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    # Set once the mail has left: a task delivered twice sends nothing the second time.
    filed_notice_sent_at = models.DateTimeField(
        _("filing notices sent"), null=True, blank=True, editable=False
    )
    decision_notice_sent_at = models.DateTimeField(
        _("decision notices sent"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("organization claim")
        verbose_name_plural = _("organization claims")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "claimant"],
                condition=models.Q(status="pending"),
                name="organizationclaim_one_open",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="organizationclaim_status_idx"),
            models.Index(fields=["claimant", "-created_at"], name="organizationclaim_user_idx"),
        ]

    def __str__(self) -> str:
        return _("Claim no. %(number)s to %(organization)s") % {
            "number": self.pk,
            "organization": self.organization.name,
        }

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
