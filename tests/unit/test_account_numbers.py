"""Account numbers: random, fixed length, ISO 7064 MOD 97-10 check digits."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minibank.domain.accounts import (
    NUMBER_LENGTH,
    check_digits,
    format_number,
    is_valid_number,
    new_number,
    normalize_number,
)


def test_new_numbers_are_valid_fixed_length_and_random():
    numbers = {new_number() for _ in range(2000)}
    # 90 million bodies: a repeat or two among 2,000 draws is chance (about 2%), many are not.
    assert len(numbers) >= 1995
    assert all(len(n) == NUMBER_LENGTH and n.isdigit() and is_valid_number(n) for n in numbers)
    ordered = sorted(int(n) for n in numbers)
    assert ordered[-1] - ordered[0] > 10**8  # spread over the range, not sequential


def test_check_digits_follow_iso_7064_mod_97_10():
    assert check_digits("12345678") == "89"
    assert int("1234567889") % 97 == 1
    assert check_digits("10000000") == "64"  # leading zero padded: always two digits
    assert int("1000000064") % 97 == 1


@given(st.integers(min_value=10**7, max_value=10**8 - 1), st.integers(0, NUMBER_LENGTH - 1), st.integers(1, 9))
def test_every_single_digit_error_is_caught(body, position, shift):
    number = str(body) + check_digits(str(body))
    digits = list(number)
    digits[position] = str((int(digits[position]) + shift) % 10)
    assert not is_valid_number("".join(digits))


@given(st.integers(min_value=10**7, max_value=10**8 - 1), st.integers(0, NUMBER_LENGTH - 2))
def test_every_adjacent_swap_is_caught(body, position):
    number = str(body) + check_digits(str(body))
    if number[position] == number[position + 1]:
        return
    digits = list(number)
    digits[position], digits[position + 1] = digits[position + 1], digits[position]
    assert not is_valid_number("".join(digits))


@pytest.mark.parametrize(
    "text", ["", "123", "12345678891", "123456788a", None, 1234567889, " 1234567889", "1234567898"]
)
def test_malformed_numbers_are_invalid(text):
    assert not is_valid_number(text)


def test_people_may_type_spaces_and_dashes():
    assert normalize_number(" 1234 5678-89 ") == "1234567889"
    assert normalize_number(None) == ""
    assert format_number("1234567889") == "1234 5678 89"


@given(st.text(alphabet=st.sampled_from("0123456789 -\t١٢a\u00a0"), max_size=80))
def test_normalizing_strips_only_spaces_and_dashes_and_keeps_at_most_64(text):
    # The same as stripping by the pattern alone, whether or not the text is plain digits.
    assert normalize_number(text) == re.sub(r"[\s-]", "", text)[:64]
