"""The forms of the steps on a data-subject request in the admin."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gdpr.admin.base import (
    LETTER_EXTENSIONS,
    LETTER_MAX_BYTES,
    User,
)
from gdpr.erasure.services import decision_field
from gdpr.models import (
    DataSubjectRequest,
    IdentityMethod,
    MarketingChannel,
)
from gdpr.requests.filing import ENTERED_CHANNELS, entry_errors


class RequestEnterForm(forms.ModelForm):
    """A request that came outside the service. The deadline counts from its receipt."""

    channel = forms.ChoiceField(
        label=_("channel"),
        choices=[(c.value, c.label) for c in ENTERED_CHANNELS],
        help_text=_("How the request reached the controller."),
    )
    received_at = forms.SplitDateTimeField(
        label=_("received"),
        widget=admin.widgets.AdminSplitDateTime,
        help_text=_(
            "When the request reached the controller (a letter: the day it arrived). The "
            "one-month deadline counts from this day."
        ),
    )
    marketing_channels = forms.MultipleChoiceField(
        label=_("marketing channels"),
        choices=MarketingChannel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Objection to direct marketing: the channels named; none means all."),
    )
    letter = forms.FileField(
        label=_("signed letter"),
        required=False,
        validators=[FileExtensionValidator(LETTER_EXTENSIONS)],
        help_text=_(
            "A scan of the signed letter (PDF or image). Kept in private storage, shown only "
            "to the controller's staff; delete it once the request is handled. Never attach "
            "a copy of an identity document."
        ),
    )

    class Meta:
        model = DataSubjectRequest
        fields = [
            "kind",
            "channel",
            "received_at",
            "subject",
            "subject_name",
            "subject_email",
            "details",
            "letter",
            "rectification_value",
            "restriction_ground",
            "marketing_channels",
        ]
        help_texts = {
            "subject": _("The person's account, if they have one. Look them up by name or email."),
            "subject_name": _("As the request gives it (for a person with no account)."),
            "subject_email": _(
                "Where the acknowledgement and the answer are sent, if the person has no account."
            ),
            "details": _("What the person asks, in their words."),
            "rectification_value": _(
                "Rectification: the correct value the person gives. Choose the datum to correct "
                "when you decide the request."
            ),
            "restriction_ground": _(
                "Restriction: the ground of GDPR Art. 18(1). Under (a) and (d) the data is "
                "restricted as soon as the request is recorded, until it is answered."
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "received_at" in self.fields:
            self.fields["received_at"].initial = timezone.now

    def clean_letter(self):
        letter = self.cleaned_data.get("letter")
        if letter and letter.size > LETTER_MAX_BYTES:
            raise ValidationError(_("The file is too large (at most 15 MB)."))
        return letter

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        errors = entry_errors(
            kind=cleaned.get("kind", ""),
            channel=cleaned.get("channel", ""),
            received_at=cleaned.get("received_at") or timezone.now(),
            subject=cleaned.get("subject"),
            subject_email=cleaned.get("subject_email", ""),
            marketing_channels=cleaned.get("marketing_channels", []),
            restriction_ground=cleaned.get("restriction_ground", ""),
        )
        if errors:
            # Each by its field (every key entry_errors uses is a field of this form).
            self.add_error(None, ValidationError(errors))
        return cleaned


# --- Data-subject requests: the step forms ------------------------------------------------


class IdentityForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Identity verified by"),
        choices=IdentityMethod.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Proportionate to the request (EDPB Guidelines 01/2022): ask for no more than "
            "is needed. No copy of an identity document is ever stored here; if you were "
            "shown one, note only that it matched."
        ),
    )
    note = forms.CharField(
        label=_("What was checked"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. “replied from the address on file on 3.2.”. No document numbers."),
    )


class ConfirmForm(forms.Form):
    pass


class LetterDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Delete the scan of the signed letter now"),
        help_text=_("This cannot be undone: the scan cannot be restored."),
    )


class AssignForm(forms.Form):
    handler = forms.ModelChoiceField(
        label=_("Handler"),
        queryset=User.objects.filter(is_staff=True, is_active=True).order_by("email"),
        required=False,
        help_text=_("Leave empty to take the request off everyone's list."),
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Internal note"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Seen by the controller's staff only, never by the person."),
    )


class ExtendForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Extend by"),
        choices=[(1, _("one month")), (2, _("two months"))],
        coerce=int,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reasons"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Sent to the person at once (Art. 12(3)): why the request needs more time "
            "(its complexity, the number of requests)."
        ),
    )
    told_by = forms.ChoiceField(
        label=_("How the person is told"),
        choices=[
            ("email", _("By email, now (recorded when the mail has left)")),
            ("letter", _("I have sent a letter")),
            ("phone", _("I have told them by phone")),
        ],
        initial="email",
        widget=forms.RadioSelect,
    )
    told_note = forms.CharField(
        label=_("Letter or call"),
        required=False,
        max_length=300,
        help_text=_("For a letter or a call: when, and to which address or number."),
    )


class TellExtensionForm(forms.Form):
    told_by = ExtendForm.base_fields["told_by"]
    told_note = ExtendForm.base_fields["told_note"]


class CompleteForm(forms.Form):
    response = forms.CharField(
        label=_("Answer to the person"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Sent to the person by email, in their language as you write it."),
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Grounds for refusing"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Sent to the person, with their right to complain to the Data Protection "
            "Ombudsman and to go to court."
        ),
    )


class ErasureForm(CompleteForm):
    confirm = forms.BooleanField(
        label=_("I have checked the preview: erase the person's data now"),
        help_text=_("This cannot be undone."),
    )

    def __init__(self, *args, decisions: Sequence[tuple[Any, Sequence[Any]]] = (), **kwargs):
        """``decisions``: what the apps need decided first (``erasure_decision_cases``),
        one required choice per case, placed before the confirmation."""
        super().__init__(*args, **kwargs)
        confirm = self.fields.pop("confirm")
        self.decision_fields: list[str] = []
        for decision, cases in decisions:
            for case in cases:
                name = decision_field(decision.name, case.key)
                self.fields[name] = forms.ChoiceField(
                    label=case.question,
                    choices=[(choice.value, choice.label) for choice in case.choices],
                    widget=forms.RadioSelect,
                    error_messages={
                        "required": gettext("Decide first: %(question)s")
                        % {"question": case.question},
                    },
                )
                self.decision_fields.append(name)
        self.fields["confirm"] = confirm

    def decisions(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in self.decision_fields}


class RectificationDecisionForm(forms.Form):
    target = forms.ChoiceField(label=_("Datum to correct"))
    value = forms.CharField(
        label=_("Correct value"),
        required=False,
        help_text=_("Leave empty to use the value the person gave."),
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept and correct")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when refusing; sent to the person."),
    )

    def __init__(self, *args, data_choices: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = data_choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("decision") == "refuse" and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Give the reason for refusing."))
        return cleaned


# --- Data-subject requests: the admin -----------------------------------------------------
