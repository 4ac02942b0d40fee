from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from billing.camt054 import (
    MISSING_ELEMENT,
    NOT_CAMT054,
    NOT_XML,
    UNSAFE_XML,
    Camt054Error,
    ReferencePayment,
    parse_camt054,
)
from tests.billing.camt054_builder import build_camt054

DATA = Path(__file__).parent / "data"
NORDEA = "FI2112345600000785"
OP = "FI4950009420028730"


@pytest.fixture(autouse=True)
def _english():
    # The messages are checked word for word in English; the site default is Finnish.
    with translation.override("en"):
        yield


def _read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def _payment(**overrides) -> dict:
    return {
        "amount": Decimal("12.50"),
        "reference": "20250005",
        "payer_name": "Virtanen Matti",
        "booking_date": date(2025, 3, 3),
        **overrides,
    }


def _built(*payments: dict) -> bytes:
    return build_camt054(account_iban=NORDEA, payments=list(payments) or [_payment()])


def _document(entries: str, namespace: str = "camt.054.001.02") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:{namespace}">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>M1</MsgId><CreDtTm>2025-03-04T06:00:00+02:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>NTF-7</Id>
      <CreDtTm>2025-03-04T06:00:00+02:00</CreDtTm>
      <Acct><Id><IBAN>{NORDEA}</IBAN></Id></Acct>
      {entries}
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>""".encode()


def _error(data: bytes) -> Camt054Error:
    with pytest.raises(Camt054Error) as excinfo:
        parse_camt054(data)
    return excinfo.value


# -- The realistic sample ------------------------------------------------------------------


def test_it_reads_every_credit_of_the_sample():
    assert parse_camt054(_read("camt054_sample.xml")) == [
        ReferencePayment(
            entry_reference="250303593497A00001",
            amount=Decimal("50.00"),
            currency="EUR",
            booking_date=date(2025, 3, 3),
            value_date=date(2025, 3, 3),
            reference="20250005",
            payer_name="VIRTANEN MATTI JUHANI",
            account_iban=NORDEA,
            is_credit=True,
            # The payer's account (RltdPties/DbtrAcct), which the others do not give.
            payer_iban="FI5542345670000081",
        ),
        ReferencePayment(
            entry_reference="250303593497B00001",
            amount=Decimal("120.00"),
            currency="EUR",
            booking_date=date(2025, 3, 3),
            value_date=date(2025, 3, 3),
            reference="20250018",
            payer_name="Korhonen Liisa",
            account_iban=NORDEA,
            is_credit=True,
        ),
        ReferencePayment(
            entry_reference="250303593497B00002",
            amount=Decimal("200.25"),
            currency="EUR",
            booking_date=date(2025, 3, 3),
            value_date=date(2025, 3, 3),
            reference="RF3620250017",
            payer_name="Lentokoulu Siipi Oy",
            account_iban=NORDEA,
            is_credit=True,
        ),
        ReferencePayment(
            entry_reference="250303593497B00003",
            amount=Decimal("45.25"),
            currency="EUR",
            booking_date=date(2025, 3, 3),
            value_date=date(2025, 3, 3),
            reference="20250021",
            payer_name="Nieminen Åsa",
            account_iban=NORDEA,
            is_credit=True,
        ),
        ReferencePayment(
            entry_reference="250301500015D00001",
            amount=Decimal("1250.00"),
            currency="EUR",
            booking_date=date(2025, 3, 3),
            value_date=date(2025, 3, 1),
            reference="RF18539007547034",
            payer_name="Ilmailuyhdistys Pohjola ry",
            account_iban=OP,
            is_credit=True,
        ),
    ]


def test_it_splits_a_batch_entry_into_its_payments():
    payments = parse_camt054(_read("camt054_sample.xml"))

    batch = [p for p in payments if p.entry_reference.startswith("250303593497B")]
    assert [p.amount for p in batch] == [Decimal("120.00"), Decimal("200.25"), Decimal("45.25")]
    assert sum(p.amount for p in batch) == Decimal("365.50")  # The entry's Amt.


def test_it_keeps_amounts_exact():
    amounts = [p.amount for p in parse_camt054(_read("camt054_sample.xml"))]

    assert all(type(amount) is Decimal for amount in amounts)
    assert [str(amount) for amount in amounts] == ["50.00", "120.00", "200.25", "45.25", "1250.00"]


def test_it_normalises_references():
    references = [p.reference for p in parse_camt054(_read("camt054_sample.xml"))]

    # "20250 018", "RF36 2025 0017", zero-padded "00000000000020250021", lower-case "rf18...".
    assert references == ["20250005", "20250018", "RF3620250017", "20250021", "RF18539007547034"]


def test_it_skips_debits_by_default():
    payments = parse_camt054(_read("camt054_sample.xml"))

    assert all(p.is_credit for p in payments)
    assert "250303593497C00001" not in {p.entry_reference for p in payments}


def test_it_returns_debits_when_asked():
    payments = parse_camt054(_read("camt054_sample.xml"), include_debits=True)

    fee = next(p for p in payments if p.entry_reference == "250303593497C00001")
    assert fee.is_credit is False
    assert fee.amount == Decimal("12.40")
    assert (fee.reference, fee.payer_name) == ("", "")  # An entry without details.
    assert len(payments) == 6


def test_it_gives_the_same_list_when_the_same_file_is_parsed_twice():
    for name in ("camt054_sample.xml", "camt054_credit_and_debit.xml"):
        first = parse_camt054(_read(name), include_debits=True, include_reversals=True)
        second = parse_camt054(_read(name), include_debits=True, include_reversals=True)

        assert first == second
        assert len({p.entry_reference for p in first}) == len(first)


# -- Version .08, reversals, pending entries -------------------------------------------------


def test_it_reads_version_08():
    first = parse_camt054(_read("camt054_credit_and_debit.xml"))[0]

    assert first == ReferencePayment(
        entry_reference="20250310OP0000000101",
        amount=Decimal("120.00"),
        currency="EUR",
        booking_date=date(2025, 3, 10),  # From BookgDt/DtTm.
        value_date=date(2025, 3, 10),
        reference="RF912025000310",
        payer_name="Mäkinen Pekka",  # Dbtr/Pty/Nm.
        account_iban=OP,
        is_credit=True,
    )


def test_it_excludes_reversals_by_default():
    payments = parse_camt054(_read("camt054_credit_and_debit.xml"), include_debits=True)

    assert [p.entry_reference for p in payments] == [
        "20250310OP0000000101",
        "20250310OP0000000102",
        "20250310OP0000000106/1",
        "20250310OP0000000106/2",
    ]


def test_it_flags_reversals_when_asked():
    payments = parse_camt054(
        _read("camt054_credit_and_debit.xml"), include_debits=True, include_reversals=True
    )

    reversals = {p.entry_reference: p for p in payments if p.is_reversal}
    assert set(reversals) == {"20250310OP0000000103", "20250310OP0000000104"}
    assert reversals["20250310OP0000000103"].is_credit is False  # A payment returned.
    assert reversals["20250310OP0000000104"].is_credit is True  # Our own payment came back.


def test_it_returns_reversed_credits_only_with_include_reversals():
    credits = parse_camt054(_read("camt054_credit_and_debit.xml"), include_reversals=True)

    assert [p.entry_reference for p in credits if p.is_reversal] == ["20250310OP0000000104"]


def test_it_skips_entries_that_are_not_booked():
    payments = parse_camt054(
        _read("camt054_credit_and_debit.xml"), include_debits=True, include_reversals=True
    )

    assert Decimal("999.00") not in {p.amount for p in payments}
    assert len(payments) == 6


def test_it_numbers_batch_payments_without_their_own_archive_id():
    batch = parse_camt054(_read("camt054_credit_and_debit.xml"))[-2:]

    assert [(p.entry_reference, p.amount, p.reference, p.payer_name) for p in batch] == [
        ("20250310OP0000000106/1", Decimal("35.25"), "2025009", "Heikkinen Aino"),
        ("20250310OP0000000106/2", Decimal("35.25"), "112231", "Heikkinen Eero"),
    ]


def test_it_falls_back_to_the_notification_and_positions_without_any_bank_reference():
    entry = """
      <Ntry>
        <Amt Ccy="EUR">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>2025-03-03</Dt></BookgDt>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn>
        </BkTxCd>
        <NtryDtls>
          <TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">4.00</Amt></TxAmt></AmtDtls></TxDtls>
          <TxDtls><AmtDtls><TxAmt><Amt Ccy="EUR">6.00</Amt></TxAmt></AmtDtls></TxDtls>
        </NtryDtls>
      </Ntry>"""

    payments = parse_camt054(_document(entry * 2))

    assert [p.entry_reference for p in payments] == [
        "NTF-7/1/1",
        "NTF-7/1/2",
        "NTF-7/2/1",
        "NTF-7/2/2",
    ]
    assert [p.value_date for p in payments] == [None] * 4


def test_it_uses_the_entry_amount_for_a_single_payment_without_its_own():
    data = re.sub(rb"<AmtDtls>.*?</AmtDtls>", b"", _built(_payment(amount="80")), flags=re.S)

    [payment] = parse_camt054(data)

    assert payment.amount == Decimal("80.00")


def test_it_refuses_two_payments_with_the_same_bank_reference():
    data = _built(_payment(entry_reference="X1"), _payment(entry_reference="X1"))

    error = _error(data)

    assert str(error) == "Two payments in the file have the same bank reference “X1”."


@pytest.mark.parametrize("version", ["02", "04", "08", "13"])
def test_it_accepts_every_camt054_version_from_02_on(version):
    data = _built().replace(b"camt.054.001.02", f"camt.054.001.{version}".encode())

    assert [p.amount for p in parse_camt054(data)] == [Decimal("12.50")]


def test_it_reads_files_in_latin_1():
    data = (
        _built(_payment(payer_name="Nieminen Åsa"))
        .decode()
        .replace("encoding='UTF-8'", "encoding='ISO-8859-1'")
        .encode("iso-8859-1")
    )

    assert parse_camt054(data)[0].payer_name == "Nieminen Åsa"


# -- Files that are refused ------------------------------------------------------------------


def test_it_rejects_malformed_xml():
    error = _error(_read("camt054_malformed.xml"))

    assert error.message is NOT_XML
    assert str(error) == "The file is not a valid XML document."


@pytest.mark.parametrize("data", [b"", b"Viitesiirrot 3.3.2025", b"\x00\xff\xfe"])
def test_it_rejects_what_is_not_xml(data):
    assert _error(data).message is NOT_XML


@pytest.mark.parametrize("encoding", [b"klingon", b"hex"])
def test_it_rejects_a_declared_encoding_that_is_no_text_encoding(encoding):
    data = b'<?xml version="1.0" encoding="' + encoding + b'"?><Document/>'

    assert _error(data).message is NOT_XML


@pytest.mark.parametrize(
    "data",
    [
        b"<html><body>Pankki</body></html>",
        # A bank statement, not a notification.
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        b"<BkToCstmrStmt/></Document>",
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">'
        b"<CstmrCdtTrfInitn/></Document>",
        # The 2006 first version, and camt.054 without its namespace.
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.01">'
        b"<BkToCstmrDbtCdtNtfctn/></Document>",
        b"<Document><BkToCstmrDbtCdtNtfctn/></Document>",
        b'<Other xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"/>',
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><Other/></Document>',
    ],
)
def test_it_rejects_xml_that_is_not_camt054(data):
    error = _error(data)

    assert error.message is NOT_CAMT054
    assert str(error) == "The file is not an ISO 20022 camt.054 bank notification."


def test_it_refuses_entity_expansion():
    levels = "\n".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)).replace(
        "&lol0;", "lol"
    )
    data = f"""<?xml version="1.0"?>
<!DOCTYPE Document [
{levels}
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">
  <BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>&lol9;</MsgId></GrpHdr></BkToCstmrDbtCdtNtfctn>
</Document>""".encode()

    error = _error(data)

    assert error.message is UNSAFE_XML


def test_it_refuses_external_entities():
    data = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">
  <BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>&secret;</MsgId></GrpHdr></BkToCstmrDbtCdtNtfctn>
</Document>"""

    assert _error(data).message is UNSAFE_XML


def test_it_refuses_any_document_type_declaration():
    data = _built().replace(b"<Document", b"<!DOCTYPE Document>\n<Document", 1)

    assert _error(data).message is UNSAFE_XML


def test_it_rejects_an_entry_without_an_amount():
    data = _built().replace(b'<Amt Ccy="EUR">12.50</Amt>', b"")

    error = _error(data)

    assert error.message is MISSING_ELEMENT
    assert str(error) == "Entry 1 in the file has no amount."


def test_it_rejects_a_batch_payment_without_an_amount():
    data = _read("camt054_sample.xml").replace(b'<Amt Ccy="EUR">200.25</Amt>', b"")

    assert str(_error(data)) == "Entry 2 in the file has no amount."


@pytest.mark.parametrize("amount", ["12,50", "-12.50", "1E3", "", "12.5.0", "NaN", " "])
def test_it_rejects_bad_amounts(amount):
    data = _built().replace(b">12.50<", f">{amount}<".encode())

    assert str(_error(data)) == f"Entry 1 in the file has an invalid amount “{amount.strip()}”."


def test_it_rejects_a_bad_currency():
    data = _built().replace(b'Ccy="EUR"', b'Ccy="euro"')

    assert str(_error(data)) == "Entry 1 in the file has an invalid currency “euro”."


def test_it_rejects_an_amount_without_a_currency():
    data = _built().replace(b' Ccy="EUR"', b"")

    assert str(_error(data)) == "Entry 1 in the file has no currency."


def test_it_rejects_an_entry_without_a_booking_date():
    data = re.sub(rb"<BookgDt>.*?</BookgDt>", b"", _built(), flags=re.S)

    assert str(_error(data)) == "Entry 1 in the file has no booking date."


def test_it_rejects_a_reference_longer_than_iso_allows():
    """Max35Text in ISO 20022, and the length of the column it is stored in."""
    data = _built(_payment(reference="1" * 36))

    assert str(_error(data)) == (
        f"Entry 1 in the file has a reference longer than 35 characters: “{'1' * 36}”."
    )


def test_it_reads_a_reference_of_35_characters():
    [payment] = parse_camt054(_built(_payment(reference="RF" + "1" * 33)))

    assert payment.reference == "RF" + "1" * 33


@pytest.mark.parametrize("value", ["2025-02-30", "3.3.2025", "20250303"])
def test_it_rejects_a_bad_date(value):
    data = _built().replace(b"<Dt>2025-03-03</Dt>", f"<Dt>{value}</Dt>".encode(), 1)

    assert str(_error(data)) == f"Entry 1 in the file has an invalid date “{value}”."


def test_it_rejects_an_entry_that_is_neither_credit_nor_debit():
    data = _built().replace(b"<CdtDbtInd>CRDT</CdtDbtInd>", b"<CdtDbtInd>PLUS</CdtDbtInd>")

    assert str(_error(data)) == "Entry 1 in the file is neither a credit nor a debit."


def test_it_shows_the_message_in_the_language_active_when_shown():
    error = _error(b"<not xml")

    with translation.override("fi"):
        finnish = str(error)

    assert finnish != str(error) == "The file is not a valid XML document."


def test_it_rejects_a_notification_without_an_account_iban():
    data = _built().replace(f"<IBAN>{NORDEA}</IBAN>".encode(), b"<Othr><Id>123</Id></Othr>")

    assert str(_error(data)).startswith("Notification NTF-20250303-")


# -- The builder -----------------------------------------------------------------------------


def test_it_builds_what_it_parses():
    data = build_camt054(
        account_iban="FI21 1234 5600 0007 85",
        payments=[
            _payment(entry_reference="250303593497A00001", value_date=date(2025, 3, 1)),
            _payment(amount="7", reference="RF18 5390 0754 7034", payer_name="Laine Kaisa"),
            _payment(amount=Decimal("3.10"), is_credit=False, reference=""),
        ],
    )

    payments = parse_camt054(data, include_debits=True)

    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<Document xmlns=")
    assert b"urn:iso:std:iso:20022:tech:xsd:camt.054.001.02" in data
    assert payments[0] == ReferencePayment(
        entry_reference="250303593497A00001",
        amount=Decimal("12.50"),
        currency="EUR",
        booking_date=date(2025, 3, 3),
        value_date=date(2025, 3, 1),
        reference="20250005",
        payer_name="Virtanen Matti",
        account_iban=NORDEA,
        is_credit=True,
    )
    assert (payments[1].amount, payments[1].reference) == (Decimal("7.00"), "RF18539007547034")
    assert (payments[2].is_credit, payments[2].reference) == (False, "")
    assert len({p.entry_reference for p in payments}) == 3


def test_it_builds_the_same_bytes_from_the_same_payments():
    assert _built(_payment(), _payment(amount="5")) == _built(_payment(), _payment(amount="5"))
    assert _built(_payment()) != _built(_payment(amount="5"))


@pytest.mark.parametrize("amount", ["0", "-5", "1.005"])
def test_it_builds_only_positive_whole_cents(amount):
    with pytest.raises(ValueError, match="whole cents"):
        _built(_payment(amount=amount))


def test_it_builds_nothing_without_payments():
    with pytest.raises(ValueError, match="at least one payment"):
        build_camt054(account_iban=NORDEA, payments=[])
