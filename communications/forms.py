"""Forms for recording communication by hand, in the admin and in an organization's pages."""

from __future__ import annotations

import datetime

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organizations.models import Membership, Organization
from organizations.selectors import MemberFilter, member_list

from .models import CommunicationRecord

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# A clock a little ahead of the server's should not make "now" a time in the future.
FUTURE_TOLERANCE = datetime.timedelta(minutes=5)


def validate_attachment(upload: UploadedFile) -> None:
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise forms.ValidationError(
            _("The attachment is too large (%(size)s). At most %(limit)s."),
            params={
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(MAX_ATTACHMENT_BYTES),
            },
        )


def validate_not_in_future(value: datetime.datetime) -> None:
    if value > timezone.now() + FUTURE_TOLERANCE:
        raise forms.ValidationError(_("The time cannot be in the future."))


def attachment_field() -> forms.FileField:
    return forms.FileField(
        label=_("Attachment"),
        required=False,
        validators=[validate_attachment],
        help_text=_("Optional, at most 10 MB: a letter, a scanned document or a saved email."),
    )


class CommunicationRecordAdminForm(forms.ModelForm):
    """The controller's own record; saved by ``communication_record``, never by the form."""

    attachment = attachment_field()

    class Meta:
        model = CommunicationRecord
        fields = [
            "organization",
            "subject",
            "counterpart",
            "channel",
            "direction",
            "occurred_at",
            "subject_line",
            "summary",
        ]
        help_texts = {
            "subject": _("The person the record is about, if they have an account."),
            "counterpart": _("Who it was with. Filled in from the person when left empty."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The admin's view-only page builds this form without the fields it shows read-only.
        if "summary" in self.fields:
            self.fields["summary"].required = True
        if "occurred_at" in self.fields:
            self.fields["occurred_at"].validators.append(validate_not_in_future)

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("subject") and not cleaned.get("counterpart", "").strip():
            raise forms.ValidationError(_("Choose the person or write who it was with."))
        return cleaned


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        name = obj.name or obj.email
        if obj.member_number:
            return f"{name} ({obj.member_number}) <{obj.email}>"
        return f"{name} <{obj.email}>"


class OrganizationRecordForm(forms.Form):
    """A call, letter or email about one of the organization's active members."""

    member = MemberChoiceField(label=_("Member"), queryset=Membership.objects.none())
    channel = forms.ChoiceField(label=_("Channel"), choices=CommunicationRecord.Channel.choices)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=CommunicationRecord.Direction.choices
    )
    occurred_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        validators=[validate_not_in_future],
    )
    subject_line = forms.CharField(label=_("Subject"), max_length=300, required=False)
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10_000,
        help_text=_(
            'What was said or sent, briefly. The member sees this record on their "My data" page.'
        ),
    )
    attachment = attachment_field()

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        active = member_list(
            organization=organization, filters=MemberFilter(status=Membership.Status.ACTIVE)
        )
        # Only people with an account: the record appears on their own "My data" page.
        self.fields["member"].queryset = active.filter(user__isnull=False)
        if not self.is_bound:
            self.initial.setdefault(
                "occurred_at", timezone.localtime().replace(second=0, microsecond=0)
            )


class RecordFilterForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("All channels")), *CommunicationRecord.Channel.choices],
    )

    def filter(self, records):
        """``records`` narrowed to the chosen channel; all of them when nothing valid is set."""
        if self.is_valid() and self.cleaned_data["channel"]:
            return records.filter(channel=self.cleaned_data["channel"])
        return records
