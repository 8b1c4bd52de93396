import pytest

from appointments.masking import mask_id, mask_name, mask_phone


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧阳**"),
        ("欧阳修", "欧阳*"),
        ("诸葛亮", "诸葛*"),
        # Two characters that look like a compound surname are surname + given name.
        ("欧阳", "欧*"),
        ("阿卜杜·热合曼", "阿******"),
        ("Zhang San", "Zhang S**"),
        ("Alice", "A****"),
        ("  王五 ", "王*"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("19900001111", "199****1111"),
        ("12345", "1***5"),
        ("12", "**"),
        ("", ""),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("310101199001011234", "3101**********1234"),
        ("91310000MA1FL0000X", "9131**********000X"),
        # A passport keeps less, so most of a short number stays hidden.
        ("E12345678", "E1*****78"),
        ("AB12", "A**2"),
        ("", ""),
    ],
)
def test_mask_id(number, masked):
    assert mask_id(number) == masked


def test_masks_never_reveal_the_middle_of_a_resident_id():
    number = "310101199001011234"
    assert "19900101" not in mask_id(number)
    assert len(mask_id(number)) == len(number)
