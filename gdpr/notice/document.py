"""The privacy notice (tietosuojaseloste) and the records of processing, generated from the
personal-data registry — the same one export and erasure read — so they say exactly what
the database holds.

``notice_content(language)`` builds the notice as plain data; ``notice_publish()`` stores
it, with the notice rendered in each language, as a new ``NoticeVersion`` when (and only
when) the data or the wording changed. Pages show a stored version as it was rendered, so
what a person was shown can be shown again word for word.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.sources import DataSource
from gdpr import declarations as registry
from gdpr.declarations import ErasureStrategy, LegalBasis, Purpose, Recipient, SubjectKind
from gdpr.models import ControllerDetails, Disclosure, NoticeVersion
from gdpr.statistics_uses import generation as statistics_generation
from gdpr.statistics_uses import statistics_uses
from registry.charts import SMALL_CELL_LIMIT

LANGUAGES = ("fi", "sv", "en")


# --- Controller ---------------------------------------------------------------------------


def controller_details() -> ControllerDetails:
    """The controller's details as the controller last saved them; before that, an unsaved
    row filled from the settings, so a fresh install still names someone to contact."""
    details = ControllerDetails.objects.order_by("pk").first()
    if details is not None:
        return details
    return ControllerDetails(
        name=getattr(settings, "CONTROLLER_NAME", "") or _("The operator of this service"),
        email=getattr(settings, "CONTROLLER_EMAIL", ""),
        street_address=getattr(settings, "CONTROLLER_ADDRESS", ""),
        privacy_contact_email=getattr(settings, "CONTROLLER_EMAIL", ""),
    )


def _address(details: ControllerDetails) -> str:
    return ", ".join(
        part
        for part in (details.street_address, f"{details.postal_code} {details.city}".strip())
        if part
    )


def controller_contact() -> dict[str, str]:
    """Whom a person contacts about their data, flat: what mail signs with (and replies
    go to) and what an export names. The one place outside the notice that reads the
    controller's details."""
    details = controller_details()
    return {
        "name": details.name,
        "email": details.privacy_contact_email or details.email,
        "address": _address(details),
        "phone": details.privacy_contact_phone or details.phone,
        "website": details.website,
        "privacy_contact": " ".join(
            part for part in (details.privacy_contact_name, details.privacy_contact_email) if part
        ),
        "dpo": " ".join(part for part in (details.dpo_name, details.dpo_email) if part),
    }


def _controller(details: ControllerDetails, language: str) -> dict[str, Any]:
    address = _address(details)
    contact = {
        "name": details.privacy_contact_name,
        "email": details.privacy_contact_email or details.email,
        "phone": details.privacy_contact_phone or details.phone,
    }
    dpo = None
    if details.dpo_name or details.dpo_email:
        dpo = {"name": details.dpo_name, "email": details.dpo_email, "phone": details.dpo_phone}
    return {
        "name": details.name,
        "business_id": details.business_id,
        "address": address,
        "phone": details.phone,
        "email": details.email,
        "website": details.website,
        "register_name": details.register_name(language),
        "privacy_contact": contact,
        "dpo": dpo,
    }


# --- From the registry ---------------------------------------------------------------------


def _fields_by_category() -> dict[str, list[str]]:
    """Category key → the data it covers, as "record: field" in the active language."""
    fields: dict[str, list[str]] = defaultdict(list)
    for entry in registry.registered_models():
        record = str(entry.record_name()).capitalize()
        for name, key in entry.personal.items():
            fields[key].append(f"{record}: {entry.field_label(name)}")
    return {key: sorted(set(values)) for key, values in fields.items()}


def _used_categories() -> list[registry.Category]:
    """Categories some registered field holds; a category nothing holds is not mentioned."""
    used = {key for entry in registry.registered_models() for key in entry.personal.values()}
    return [category for category in registry.categories() if category.key in used]


def _basis(basis: LegalBasis) -> str:
    return f"{basis.label} ({basis.article})"


def _disclosure_facts() -> tuple[set[str], bool]:
    """The kinds of disclosures the controller has recorded, and whether any went outside
    the EU/EEA — the notice names only what has really happened. One query."""
    rows = set(Disclosure.objects.order_by().values_list("kind", "outside_eea").distinct())
    return {kind for kind, _outside in rows}, any(outside for _kind, outside in rows)


def _kept_records() -> list[dict[str, str]]:
    """What erasure keeps, and why: from the registry's erasure strategies."""
    kept = []
    for entry in registry.registered_models():
        if entry.erasure.strategy in (ErasureStrategy.KEEP_UNTIL, ErasureStrategy.KEEP):
            kept.append(
                {
                    "record": str(entry.model._meta.verbose_name_plural).capitalize(),
                    "basis": str(entry.erasure.basis),
                }
            )
    return kept


def _rights() -> list[dict[str, str]]:
    return [
        {
            "title": _("Right of access"),
            "text": _(
                "You can see your data on the My data page at any time, and ask for a copy"
                " of everything held about you, with where it came from and who has seen it."
            ),
            "how": _("Privacy page of the service: request a copy of your data."),
        },
        {
            "title": _("Right to data portability"),
            "text": _("You can get the data you gave in a machine-readable form (JSON and CSV)."),
            "how": _("Privacy page of the service: request your data in a portable form."),
        },
        {
            "title": _("Right to rectification"),
            "text": _(
                "You can correct your own profile yourself. Data an organization or the"
                " controller recorded is corrected on request; the recipients are told."
            ),
            "how": _("Profile page, or the privacy page: ask for a correction."),
        },
        {
            "title": _("Right to erasure"),
            "text": _(
                "You can ask for your data to be erased. Before asking you see exactly what"
                " would be erased and what the law requires to be kept, and until when."
            ),
            "how": _("Privacy page of the service: preview and request erasure."),
        },
        {
            "title": _("Right to restriction of processing"),
            "text": _(
                "You can ask that your data only be stored, for example while its accuracy"
                " is checked."
            ),
            "how": _("Privacy page of the service: request restriction."),
        },
        {
            "title": _("Right to object to direct marketing"),
            "text": _(
                "You can ban direct marketing by email, post, phone or text message, or all"
                " of it, at once and without giving reasons. The ban takes effect"
                " immediately."
            ),
            "how": _("Marketing choices page of the service."),
        },
        {
            "title": _("Right to object to other processing"),
            "text": _(
                "Where your data is processed on the controller's legitimate interests, you"
                " can object on grounds of your own situation. The processing then stops"
                " unless the controller shows compelling legitimate grounds that override"
                " yours, or needs the data for a legal claim."
            ),
            "how": _("Privacy page of the service: object to other processing."),
        },
        {
            "title": _("Withdrawing consent"),
            "text": _(
                "Where processing is based on your consent you can withdraw it at any time;"
                " this does not affect processing before the withdrawal."
            ),
            "how": _("Marketing choices page of the service."),
        },
        {
            "title": _("Right to lodge a complaint"),
            "text": _(
                "You can complain to the supervisory authority, the Data Protection"
                " Ombudsman (tietosuojavaltuutettu, https://tietosuoja.fi), if you think"
                " your data is processed unlawfully."
            ),
            "how": "https://tietosuoja.fi",
        },
    ]


def _security() -> list[str]:
    return [
        _(
            "Only the controller's staff whose work requires it, and the admins of the"
            " organizations a person is a member of, can see the person's data."
        ),
        _(
            "Every user has a personal account and password; two-factor authentication is"
            " available to everyone and required of the controller's staff."
        ),
        _("Sign-ins are rate-limited and logged; people can end their other sessions."),
        _(
            "Every view and export of a member's data by an organization admin is logged and"
            " shown to the member."
        ),
        _(
            "Changes to personal data and every step of a privacy request are recorded with"
            " who made them and when."
        ),
        _(
            "Connections are encrypted; files with personal data are kept in private storage"
            " and are only served to people entitled to them."
        ),
        _("Confidentiality obligations continue after the right of access ends."),
        _("The register is kept electronically only; there are no paper records."),
        _("Data whose retention period has ended is erased by scheduled jobs."),
        ngettext(
            "Encrypted backups of the register are kept for %(days)d day. If one is ever"
            " restored, every erasure made after it was taken is made again before the"
            " register is used.",
            "Encrypted backups of the register are kept for %(days)d days. If one is ever"
            " restored, every erasure made after it was taken is made again before the"
            " register is used.",
            settings.BACKUP_RETENTION_DAYS,
        )
        % {"days": settings.BACKUP_RETENTION_DAYS},
    ]


def _transfers() -> list[dict[str, str]]:
    """Each recorded transfer outside the EU/EEA: to whom, where, under what safeguard."""
    rows = (
        Disclosure.objects.filter(outside_eea=True)
        .order_by("destination_country", "recipient_name")
        .values_list("recipient_name", "destination_country", "transfer_safeguards")
        .distinct()
    )
    return [
        {"recipient": name, "country": country, "safeguards": safeguards}
        for name, country, safeguards in rows
    ]


def notice_facts() -> dict[str, Any]:
    """What the notice needs from the database (2 queries; 3 once data has gone outside
    the EU/EEA), shared by all languages."""
    kinds, outside_eea = _disclosure_facts()
    return {
        "details": controller_details(),
        "kinds": kinds,
        "outside_eea": outside_eea,
        "transfers": _transfers() if outside_eea else [],
    }


def notice_content(language: str, facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """The whole notice in ``language``, as JSON-ready data."""
    facts = facts if facts is not None else notice_facts()
    with translation.override(language):
        details = facts["details"]
        fields = _fields_by_category()
        categories = _used_categories()
        disclosure_kinds = [str(Disclosure.Kind(kind).label) for kind in sorted(facts["kinds"])]
        outside_eea = facts["outside_eea"]

        purposes: dict[str, dict[str, Any]] = {}
        for category in categories:
            for purpose in category.purposes:
                row = purposes.setdefault(
                    purpose.value,
                    {"purpose": str(purpose.label), "legal_bases": set(), "categories": []},
                )
                row["legal_bases"].add(_basis(category.legal_basis))
                row["categories"].append(str(category.label))
        purpose_rows = [
            {**row, "legal_bases": sorted(row["legal_bases"])}
            for key, row in sorted(purposes.items(), key=lambda kv: list(Purpose).index(kv[0]))
        ]

        sources = sorted(
            {str(_source_label(source)) for category in categories for source in category.sources}
        )
        recipients = [
            str(recipient.label)
            for recipient in Recipient
            if any(recipient in category.recipients for category in categories)
        ]
        subjects = [
            str(kind.label)
            for kind in SubjectKind
            if any(kind in category.subjects for category in categories)
        ]
        return {
            "language": language,
            "controller": _controller(details, language),
            "subjects": subjects,
            "purposes": purpose_rows,
            "categories": [
                {
                    "key": category.key,
                    "label": str(category.label),
                    "description": str(category.description),
                    "fields": fields.get(category.key, []),
                    "purposes": [str(p.label) for p in category.purposes],
                    "legal_basis": _basis(category.legal_basis),
                    "retention": category.retention.describe(),
                    "sources": [str(_source_label(s)) for s in category.sources],
                    "recipients": [str(r.label) for r in category.recipients],
                }
                for category in categories
            ],
            "sources": sources,
            "recipients": recipients,
            "disclosure_kinds": disclosure_kinds,
            "outside_eea": outside_eea,
            "transfers": facts.get("transfers", []),
            "kept_on_erasure": _kept_records(),
            "rights": _rights(),
            "security": _security(),
            "statistics": statistics_content(),
        }


def statistics_content() -> dict[str, Any]:
    """The registered statistics uses in the active language, under the purpose
    "Analysis, statistics": what is computed, for whom, on which basis, and the smallest
    count shown (smaller ones read "< 5")."""
    return {
        "purpose": str(Purpose.ANALYSIS.label),
        "small_cell_limit": SMALL_CELL_LIMIT,
        "uses": [
            {
                "key": use.key,
                "title": str(use.title),
                "audience": str(use.audience),
                "description": str(use.description),
                "legal_basis": _basis(use.legal_basis),
            }
            for use in statistics_uses()
        ],
    }


def _source_label(value: str) -> str:
    return DataSource(value).label


# --- Versions ------------------------------------------------------------------------------

SECTIONS_TEMPLATE = "gdpr/_notice_sections.html"


def _hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


# (registry generation, controller details, disclosure facts, periods) → (content, hash): building
# the notice in three languages takes a noticeable moment, and its inputs rarely change.
_built: dict[tuple, tuple[dict[str, Any], str]] = {}


def _current_content() -> tuple[dict[str, Any], str]:
    facts = notice_facts()
    details = facts["details"]
    key = (
        registry.generation(),
        statistics_generation(),
        details.pk,
        details.updated_at,
        details.name,
        tuple(sorted(facts["kinds"])),
        facts["outside_eea"],
        tuple(tuple(sorted(t.items())) for t in facts["transfers"]),
        # The periods the notice states come from settings an operator may change.
        tuple(tuple(sorted(c.retention.values().items())) for c in registry.categories()),
    )
    if key not in _built:
        content = {language: notice_content(language, facts) for language in LANGUAGES}
        for language, notice in content.items():
            notice["html"] = _render_sections(notice, language)
        _built.clear()
        _built[key] = (content, _hash(content))
    return _built[key]


def _render_sections(notice: dict[str, Any], language: str) -> str:
    """The notice as read, in ``language``: stored with the version, so a version keeps
    its words when the template's fixed text changes later, and such a change is a new
    version."""
    with translation.override(language):
        return render_to_string(SECTIONS_TEMPLATE, {"notice": notice})


def notice_publish() -> NoticeVersion:
    """The current version of the notice, publishing a new one if the generated content
    differs from the latest. Safe to call on every page view and from two processes."""
    content, content_hash = _current_content()
    latest = NoticeVersion.objects.order_by("-number").first()
    if latest is not None and latest.content_hash == content_hash:
        return latest
    try:
        with transaction.atomic():
            return NoticeVersion.objects.create(
                number=(latest.number + 1) if latest else 1,
                content_hash=content_hash,
                content=content,
            )
    except IntegrityError:
        # Another process took the next number first: its version may be this content.
        return notice_publish()


def version_content(version: NoticeVersion, language: str) -> dict[str, Any]:
    """A stored version in ``language`` (or Finnish, the register's language)."""
    return version.content.get(language) or version.content["fi"]
