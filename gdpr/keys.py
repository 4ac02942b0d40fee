"""Keyed hashes that tie kept records (suppression entries, consent proofs, closed
requests) to a person without holding anything readable about them."""

from __future__ import annotations

import hashlib
import hmac
import re

import phonenumbers
from django.conf import settings
from stdnum import iban


def _key() -> bytes:
    # Production requires a key of its own (settings), so rotating SECRET_KEY does not
    # orphan the hashes; development falls back to SECRET_KEY.
    return (getattr(settings, "GDPR_HASH_KEY", "") or settings.SECRET_KEY).encode()


def keyed_hash(kind: str, value: str) -> str:
    return hmac.new(_key(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def normalise_phone(phone: str) -> str:
    try:
        number = phonenumbers.parse(str(phone), "FI")
    except phonenumbers.NumberParseException:
        return "".join(ch for ch in str(phone) if ch.isdigit() or ch == "+")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_key(email: str) -> str:
    return keyed_hash("email", normalise_email(email))


def phone_key(phone: str) -> str:
    return keyed_hash("phone", normalise_phone(phone))


def normalise_iban(value: str) -> str:
    """The compact form: "FI21 1234 5600 0007 85" = "fi2112345600000785"."""
    return iban.compact(value).upper()


def iban_key(value: str) -> str:
    return keyed_hash("iban", normalise_iban(value))


def normalise_address(street_address: str, postal_code: str) -> str:
    """One form for the ways one address gets typed: "Kenttätie 1 A 5" = "kenttätie 1a5"."""
    street = re.sub(r"[\s.,\-]+", "", street_address.lower())
    code = re.sub(r"\s+", "", postal_code)
    return f"{street}|{code}"


def address_key(street_address: str, postal_code: str) -> str:
    return keyed_hash("address", normalise_address(street_address, postal_code))


def address_keys(street_address: str, postal_code: str) -> list[str]:
    """Every key a postal ban on this address may be kept under: the current form, and
    the form used before spaces and punctuation were ignored (the addresses behind those
    hashes are gone, so they cannot be keyed again)."""
    legacy = keyed_hash("address", f"{street_address.strip().lower()}|{postal_code.strip()}")
    return list(dict.fromkeys([address_key(street_address, postal_code), legacy]))
