"""Records of processing activities (GDPR Art. 30(1)), generated from the personal-data
registry like the privacy notice: one activity per purpose, with the categories of data
subjects and data, recipients, transfers, erasure time limits and security measures."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gdpr import declarations as registry
from gdpr.declarations import Purpose, SubjectKind
from gdpr.models import Disclosure
from gdpr.notice.document import _controller, _security, notice_facts, statistics_content
from registry.csv_download import SafeWriter


def records_of_processing(language: str) -> dict[str, Any]:
    """The records in ``language``, as JSON-ready data."""
    facts = notice_facts()
    with translation.override(language):
        used = {key for entry in registry.registered_models() for key in entry.personal.values()}
        categories = [c for c in registry.categories() if c.key in used]
        disclosure_kinds = [str(Disclosure.Kind(kind).label) for kind in sorted(facts["kinds"])]
        activities = []
        for purpose in Purpose:
            serving = [c for c in categories if purpose in c.purposes]
            if not serving:
                continue
            recipients = [
                str(recipient.label)
                for recipient in registry.Recipient
                if any(recipient in c.recipients for c in serving)
            ]
            activities.append(
                {
                    "purpose": str(purpose.label),
                    "legal_bases": sorted(
                        {f"{c.legal_basis.label} ({c.legal_basis.article})" for c in serving}
                    ),
                    "subjects": [
                        str(kind.label)
                        for kind in SubjectKind
                        if any(kind in c.subjects for c in serving)
                    ],
                    "data": [str(c.label) for c in serving],
                    "recipients": recipients + disclosure_kinds,
                    "transfers": (
                        "; ".join(
                            ", ".join(v for v in (t["recipient"], t["country"]) if v)
                            + (f": {t['safeguards']}" if t["safeguards"] else "")
                            for t in facts["transfers"]
                        )
                        if facts["outside_eea"]
                        else _("None outside the EU/EEA.")
                    ),
                    "erasure": [f"{c.label}: {c.retention.describe()}" for c in serving],
                }
            )
        return {
            "language": language,
            "generated_at": timezone.now().isoformat(timespec="seconds"),
            "controller": _controller(facts["details"], language),
            "activities": activities,
            "security": _security(),
            "statistics": statistics_content(),
        }


CSV_COLUMNS = ("purpose", "legal_bases", "subjects", "data", "recipients", "transfers", "erasure")


def records_csv(records: dict[str, Any]) -> Iterator[str]:
    """The activities as CSV rows (lists joined with "; "), header first."""
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    headers = [
        _("Purpose"),
        _("Legal basis"),
        _("Categories of data subjects"),
        _("Categories of personal data"),
        _("Recipients"),
        _("Transfers outside the EU/EEA"),
        _("Time limits for erasure"),
    ]
    # Art. 30(1)(a): who keeps the records, first.
    controller = records["controller"]
    contact = controller.get("privacy_contact") or {}
    dpo = controller.get("dpo") or {}
    for label, value in (
        (_("Controller"), controller.get("name", "")),
        (_("Business ID"), controller.get("business_id", "")),
        (_("Address"), controller.get("address", "")),
        (_("Email"), controller.get("email", "")),
        (_("Phone"), controller.get("phone", "")),
        (
            _("Contact for register matters"),
            ", ".join(
                v for v in (contact.get("name"), contact.get("email"), contact.get("phone")) if v
            ),
        ),
        (
            _("Data protection officer"),
            ", ".join(v for v in (dpo.get("name"), dpo.get("email"), dpo.get("phone")) if v),
        ),
    ):
        if value:
            writer.writerow([label, value])
    writer.writerow([])
    writer.writerow(headers)
    for activity in records["activities"]:
        writer.writerow(
            [
                "; ".join(value) if isinstance(value, list) else value
                for value in (activity[column] for column in CSV_COLUMNS)
            ]
        )
    statistics = records.get("statistics") or {}
    if statistics.get("uses"):
        # The purpose "Analysis, statistics": each registered use, aggregates only.
        writer.writerow([])
        writer.writerow(
            [
                statistics["purpose"],
                _("What is computed"),
                _("Who sees the figures"),
                _("Legal basis"),
            ]
        )
        for use in statistics["uses"]:
            writer.writerow([use["title"], use["description"], use["audience"], use["legal_basis"]])
        writer.writerow(
            [
                _("Figures counting fewer than %(limit)s people are shown as “< %(limit)s”.")
                % {"limit": statistics["small_cell_limit"]}
            ]
        )
    writer.writerow([])
    writer.writerow([_("Security measures"), "; ".join(records["security"])])
    yield buffer.getvalue()
