"""Disclosures of personal data to recipients, and the Art. 19 notices sent to them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Count, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gdpr import declarations as registry
from gdpr.admin.base import ADMIN_CSS, User
from gdpr.disclosures import services as disclosures
from gdpr.disclosures.hooks import (
    DisclosureSubjectSource,
    disclosure_subject_sources,
    identifier_choices,
)
from gdpr.models import Disclosure, RecipientNotice
from registry.admin_tools import EstimatedCountPaginator, ReadOnlyAdmin

if TYPE_CHECKING:
    from django.http import HttpRequest


def _category_choices() -> list[tuple[str, str]]:
    return [(c.key, str(c.label)) for c in registry.categories()]


DISCLOSURE_RECORD_FIELDS = [
    "kind",
    "recipient_name",
    "recipient_email",
    "purpose",
    "legal_basis",
    "categories",
    "identifiers",
    "starts_on",
    "ends_on",
    "outside_eea",
    "destination_country",
    "transfer_safeguards",
]


def _source_field(source: DisclosureSubjectSource) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=source.label,
        queryset=source.holder_model._default_manager.all(),
        required=False,
        widget=AutocompleteSelect(source.holder_field, admin.site),
        help_text=source.help_text,
    )


def _source_keys() -> list[str]:
    return [source.key for source in disclosure_subject_sources()]


class DisclosureSubjectsForm(forms.ModelForm):
    """People to add to a disclosure: chosen one by one, or a whole group from a source
    another app declares (all members of an organization)."""

    people = forms.ModelMultipleChoiceField(
        label=_("People"),
        queryset=User.objects.all(),
        required=False,
        widget=AutocompleteSelectMultiple(Disclosure._meta.get_field("subjects"), admin.site),
        help_text=_("Look people up by name or email."),
    )

    class Meta:
        model = Disclosure
        fields: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for source in disclosure_subject_sources():
            self.fields[source.key] = _source_field(source)


class DisclosureForm(DisclosureSubjectsForm):
    categories = forms.MultipleChoiceField(
        label=_("data categories"),
        choices=_category_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What kinds of data were handed over (from the personal-data registry)."),
    )
    identifiers = forms.MultipleChoiceField(
        label=_("identifiers handed over"),
        choices=identifier_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_(
            "What in the data tells the recipient who each person is. Notices of a "
            "correction, erasure or restriction name the person by these only. None "
            "chosen: those the chosen categories carry."
        ),
    )

    class Meta:
        model = Disclosure
        fields = DISCLOSURE_RECORD_FIELDS
        help_texts = {
            "legal_basis": _(
                "For an authority: the provision that requires the disclosure. For a partner: "
                "the basis of the processing (e.g. consent, contract)."
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Required for an authority only: the service checks it (gdpr.disclosures.services).
        self.fields["legal_basis"].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        try:
            disclosures.disclosure_validate(
                kind=cleaned.get("kind") or "",
                recipient_name=cleaned.get("recipient_name") or "",
                recipient_email=cleaned.get("recipient_email") or "",
                purpose=cleaned.get("purpose") or "",
                legal_basis=cleaned.get("legal_basis") or "",
                categories=list(cleaned.get("categories") or []),
                identifiers=list(cleaned.get("identifiers") or []),
                starts_on=cleaned.get("starts_on"),
                ends_on=cleaned.get("ends_on"),
                outside_eea=bool(cleaned.get("outside_eea")),
                destination_country=cleaned.get("destination_country") or "",
                transfer_safeguards=cleaned.get("transfer_safeguards") or "",
            )
        except ValidationError as error:
            # A field the form already found wrong keeps its own message; a rule about a
            # field the form lacks is shown above the form.
            fresh: dict[str, list[ValidationError]] = {}
            for field, errors in error.error_dict.items():
                if field not in self.errors:
                    target = field if field in self.fields else NON_FIELD_ERRORS
                    fresh.setdefault(target, []).extend(errors)
            if fresh:
                self.add_error(None, ValidationError(fresh))
        return cleaned


@admin.register(Disclosure)
class DisclosureAdmin(admin.ModelAdmin):
    """A disclosure is recorded once; afterwards only people can be added to it. Both go
    through ``gdpr.disclosures.services`` (bulk inserts, audited)."""

    list_display = [
        "recipient_name",
        "kind",
        "starts_on",
        "ends_on",
        "outside_eea",
        "people_count",
        "recorded_by",
    ]
    list_filter = ["kind", "outside_eea", ("starts_on", admin.DateFieldListFilter)]
    list_select_related = ["recorded_by"]
    search_fields = ["recipient_name", "recipient_email"]
    ordering = ["-starts_on", "-pk"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    class Media:
        css = {"all": [ADMIN_CSS]}

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The record of a disclosure is what the person's access report shows.
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Disclosure]:
        return super().get_queryset(request).annotate(people=Count("subjects", distinct=True))

    def get_form(self, request: HttpRequest, obj: Disclosure | None = None, **kwargs):
        kwargs["form"] = DisclosureForm if obj is None else DisclosureSubjectsForm
        # The sources' fields are added by the form itself (they are declared at run time).
        kwargs["fields"] = [*DISCLOSURE_RECORD_FIELDS, "people"] if obj is None else ["people"]
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Disclosure | None = None):
        people = (
            _("People whose data was disclosed"),
            {"fields": ["people", *_source_keys()]},
        )
        if obj is None:
            return [(None, {"fields": DISCLOSURE_RECORD_FIELDS}), people]
        record = [*DISCLOSURE_RECORD_FIELDS, "people_count", "recorded_by", "recorded_at"]
        record[record.index("categories")] = "category_names"
        record[record.index("identifiers")] = "identifier_names"
        return [(None, {"fields": record}), (_("Add people"), {"fields": people[1]["fields"]})]

    def get_readonly_fields(self, request: HttpRequest, obj: Disclosure | None = None):
        if obj is None:
            return []
        return [
            *DISCLOSURE_RECORD_FIELDS,
            "category_names",
            "identifier_names",
            "people_count",
            "recorded_by",
            "recorded_at",
        ]

    @admin.display(description=_("people"), ordering="people")
    def people_count(self, obj: Disclosure) -> int:
        people = getattr(obj, "people", None)
        return people if people is not None else obj.subjects.count()

    @admin.display(description=_("data categories"))
    def category_names(self, obj: Disclosure) -> str:
        labels = dict(_category_choices())
        return ", ".join(labels.get(key, key) for key in obj.categories)

    @admin.display(description=_("identifiers handed over"))
    def identifier_names(self, obj: Disclosure) -> str:
        labels = dict(identifier_choices())
        return ", ".join(labels.get(key, key) for key in obj.identifiers) or "—"

    def save_form(self, request: HttpRequest, form, change: bool) -> Disclosure:
        """A new disclosure is recorded through the service, which returns the saved row;
        the admin adds its people to that row (``save_model``), logs it and redirects to
        it. An existing record does not change here."""
        if change:
            return form.instance
        data = form.cleaned_data
        return disclosures.disclosure_record(
            kind=data["kind"],
            recipient_name=data["recipient_name"],
            recipient_email=data.get("recipient_email", ""),
            purpose=data["purpose"],
            legal_basis=data.get("legal_basis", ""),
            categories=data["categories"],
            identifiers=data.get("identifiers") or None,
            starts_on=data["starts_on"],
            ends_on=data.get("ends_on"),
            outside_eea=data.get("outside_eea", False),
            destination_country=data.get("destination_country", ""),
            transfer_safeguards=data.get("transfer_safeguards", ""),
            subjects=None,
            actor=request.user,
        )

    def save_model(self, request: HttpRequest, obj: Disclosure, form, change: bool) -> None:
        # The admin's change view runs in one transaction: a failure here leaves no record.
        data = form.cleaned_data
        done = disclosures.Added()
        if data.get("people"):
            done += disclosures.disclosure_add_subjects(
                obj, users=data["people"], actor=request.user
            )
        for key in _source_keys():
            if data.get(key) is not None:
                done += disclosures.disclosure_add_from_source(
                    obj, source=key, holder=data[key], actor=request.user
                )
        if done.added:
            messages.info(
                request,
                ngettext("%(count)d person added.", "%(count)d people added.", done.added)
                % {"count": done.added},
            )
        if done.restricted:
            messages.warning(
                request,
                ngettext(
                    "%(count)d person was left out: the processing of their data is"
                    " restricted (GDPR Art. 18).",
                    "%(count)d people were left out: the processing of their data is"
                    " restricted (GDPR Art. 18).",
                    done.restricted,
                )
                % {"count": done.restricted},
            )

    def save_related(self, request, form, formsets, change) -> None:
        # The people were added in save_model, through the service.
        return None


@admin.register(RecipientNotice)
class RecipientNoticeAdmin(ReadOnlyAdmin):
    list_display = ["recipient_name", "recipient_email", "request_link", "sent_at", "error"]
    list_filter = [("sent_at", admin.DateFieldListFilter)]
    list_select_related = ["request"]
    search_fields = ["recipient_name", "recipient_email", "=request__public_id"]
    ordering = ["-pk"]
    fields = [
        "request_link",
        "recipient_name",
        "recipient_email",
        "holder_link",
        "disclosure",
        "sent_at",
        "error",
    ]
    readonly_fields = fields

    # The foreign key has no label of its own ("request" would show untranslated): named
    # here, and linked to the request's page.
    @admin.display(description=_("data-subject request"), ordering="request")
    def request_link(self, obj: RecipientNotice) -> str:
        url = reverse("admin:gdpr_datasubjectrequest_change", args=[obj.request_id])
        return format_html('<a href="{}">{}</a>', url, obj.request)

    @admin.display(description=_("recipient in the service"))
    def holder_link(self, obj: RecipientNotice) -> str:
        """The recipient's own row (an organization), linked to its admin page if it has
        one; empty when there is none or it is gone."""
        holder = obj.holder
        if holder is None:
            return ""
        opts = holder._meta
        try:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[holder.pk])
        except NoReverseMatch:
            return str(holder)
        return format_html('<a href="{}">{}</a>', url, holder)
