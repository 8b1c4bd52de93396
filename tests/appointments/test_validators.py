"""Each validation rule with good and bad values; valid numbers are computed with the published
algorithms (GB 11643, GB 32100) so the tests do not depend on anyone's real ID."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from appointments.constants import IdType
from appointments.forms import PersonForm
from appointments.validators import (
    resident_id_check_char,
    uscc_check_char,
    validate_id_document,
    validate_mainland_mobile,
    validate_other_id,
    validate_person_name,
    validate_resident_id,
    validate_uscc,
)

FROZEN = dt.datetime(2026, 9, 29, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def with_check(first17):
    return first17 + resident_id_check_char(first17)


def code_of(message_error):
    return message_error.value.code


# Resident ID -----------------------------------------------------------------------------------


def test_check_character_of_the_standard_example():
    # The worked example of GB 11643-1999: 11010519491231002 → X.
    assert resident_id_check_char("11010519491231002") == "X"
    assert validate_resident_id("11010519491231002X") == "11010519491231002X"


@pytest.mark.parametrize(
    "first17",
    ["31010419900307123", "31011519851111002", "44030620000229001", "81000019700101001"],
)
def test_valid_resident_ids(first17):
    number = with_check(first17)
    assert validate_resident_id(number) == number


def test_resident_id_is_normalised():
    number = with_check("11010519491231002")  # ends in X
    assert validate_resident_id(f"  {number.lower()} ") == number
    # Full-width digits from a Chinese input method.
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)
    assert validate_resident_id(full_width) == number


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "id_format"),
        ("3101041990030712", "id_format"),  # 16 digits
        ("3101041990030712345", "id_format"),  # 19
        ("31010419900307123Y", "id_format"),
        ("31O10419900307123X", "id_format"),  # letter O
        (with_check("99010419900307123"), "id_region"),
        (with_check("31010419900230123"), "id_birth_date"),  # 30 February
        (with_check("31010419901301123"), "id_birth_date"),  # month 13
        (with_check("31010418990101123"), "id_birth_date"),  # before 1900
    ],
)
def test_invalid_resident_ids(value, code):
    with pytest.raises(ValidationError) as error:
        validate_resident_id(value)
    assert code_of(error) == code


def test_wrong_check_character_is_refused():
    first17 = "31010419900307123"
    wrong = next(c for c in "0123456789X" if c != resident_id_check_char(first17))
    with pytest.raises(ValidationError) as error:
        validate_resident_id(first17 + wrong)
    assert code_of(error) == "id_checksum"


@time_machine.travel(FROZEN, tick=False)
def test_birth_date_in_the_future_is_refused():
    assert validate_resident_id(with_check("31010420260929123"))  # born today
    with pytest.raises(ValidationError) as error:
        validate_resident_id(with_check("31010420260930123"))  # tomorrow
    assert code_of(error) == "id_birth_date"


# Unified social credit code -------------------------------------------------------------------


def test_uscc_check_character_of_a_published_code():
    # The example code used in GB 32100 guidance material.
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert validate_uscc("91350100M000100Y43") == "91350100M000100Y43"


@pytest.mark.parametrize("first17", ["91310104MA1FL0000", "12100000400000000", "Y1310000000000001"])
def test_valid_usccs(first17):
    code = first17 + uscc_check_char(first17)
    assert validate_uscc(f" {code.lower()} ") == code


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("91350100M000100Y4", "uscc_format"),  # 17 characters
        ("91350100M000100Y433", "uscc_format"),  # 19
        ("91350100I000100Y43", "uscc_format"),  # I is not in the charset
        ("91350100O000100Y43", "uscc_format"),  # nor O
        ("91350100S000100Y43", "uscc_format"),  # nor S
        ("91350100M000100Y44", "uscc_checksum"),
    ],
)
def test_invalid_usccs(value, code):
    with pytest.raises(ValidationError) as error:
        validate_uscc(value)
    assert code_of(error) == code


# Other documents, dispatch -------------------------------------------------------------------


def test_other_documents_are_free_text_of_5_to_40():
    assert validate_other_id(" e1234 5678 ") == "E1234 5678"
    assert validate_other_id("H12345678") == "H12345678"
    for bad in ("E123", "X" * 41, "E12<script>", "护照12345"):
        with pytest.raises(ValidationError):
            validate_other_id(bad)


def test_validate_id_document_dispatches_on_the_type():
    number = with_check("31010419900307123")
    assert validate_id_document(IdType.RESIDENT_ID, number) == number
    with pytest.raises(ValidationError):
        validate_id_document(IdType.USCC, number)  # digits only, wrong checksum for a USCC
    assert validate_id_document(IdType.OTHER, "G12345678") == "G12345678"
    with pytest.raises(ValidationError):
        validate_id_document("driving_licence", number)


# Mobile and name ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "13812345678"),
        ("199 1234 5678", "19912345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
    ],
)
def test_valid_mobiles(value, expected):
    assert validate_mainland_mobile(value) == expected


@pytest.mark.parametrize(
    "value", ["", "1381234567", "138123456789", "12812345678", "02112345678", "1381234567a"]
)
def test_invalid_mobiles(value):
    with pytest.raises(ValidationError) as error:
        validate_mainland_mobile(value)
    assert code_of(error) == "mobile"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("王五", "王五"),
        (" 欧阳娜娜 ", "欧阳娜娜"),
        ("阿卜杜·热合曼", "阿卜杜·热合曼"),
        ("阿卜杜•热合曼", "阿卜杜·热合曼"),  # bullet typed for the middle dot
        ("阿卜杜.热合曼", "阿卜杜·热合曼"),
        ("Anne-Marie O'Neil", "Anne-Marie O'Neil"),
        ("张" * 30, "张" * 30),
    ],
)
def test_valid_names(value, expected):
    assert validate_person_name(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("王", "name_length"),
        ("张" * 31, "name_length"),
        ("", "name_length"),
        ("张三3", "name_format"),
        ("张三<b>", "name_format"),
        ("·张三", "name_format"),
    ],
)
def test_invalid_names(value, code):
    with pytest.raises(ValidationError) as error:
        validate_person_name(value)
    assert code_of(error) == code


# The form ------------------------------------------------------------------------------------


def test_person_form_normalises_and_checks_the_id_by_its_type():
    number = with_check("11010519491231002")
    form = PersonForm(
        data={
            "name": " 李四 ",
            "phone": "+86 13812345678",
            "id_type": IdType.RESIDENT_ID,
            "id_number": number.lower(),
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == "李四"
    assert form.cleaned_data["phone"] == "13812345678"
    assert form.cleaned_data["id_number"] == number


def test_person_form_puts_id_errors_at_the_id_field():
    form = PersonForm(
        data={
            "name": "李四",
            "phone": "13812345678",
            "id_type": IdType.USCC,
            "id_number": with_check("11010519491231002"),
        }
    )
    assert not form.is_valid()
    assert list(form.errors) == ["id_number"]
    assert form.errors.as_data()["id_number"][0].code == "uscc_checksum"


def test_person_form_reports_every_bad_field():
    form = PersonForm(data={"name": "李", "phone": "123", "id_type": "x", "id_number": ""})
    assert not form.is_valid()
    assert set(form.errors) == {"name", "phone", "id_type", "id_number"}
