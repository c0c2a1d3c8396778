"""Confirmation of payee's comparison: match, close match (with the held name), no match (without it)."""

import pytest

from minibank.domain.errors import InvalidInput
from minibank.domain.payees import CLOSE_MATCH, MATCH, NO_MATCH, check_payee_name, compare_names


@pytest.mark.parametrize(
    ("typed", "held"),
    [("Dan Secretname", "Dan Secretname"), ("dan  SECRETNAME", "Dan Secretname"), ("Mr Dan Secretname", "Dan Secretname"),
     ("Zoë Müller", "Zoe Muller"), ("O'Brien Kate", "O Brien Kate")],
)  # fmt: skip
def test_the_same_name_however_written_is_a_match(typed, held):
    assert compare_names(typed, held).outcome == MATCH
    assert compare_names(typed, held).held_name is None


@pytest.mark.parametrize(
    ("typed", "held"),
    [("D Secretname", "Dan Secretname"), ("Dan Secretnme", "Dan Secretname"), ("Secretname Dan", "Dan Secretname"),
     ("Danny Secretname", "Dan Secretname")],
)  # fmt: skip
def test_a_near_name_is_a_close_match_that_shows_the_held_name(typed, held):
    check = compare_names(typed, held)
    assert (check.outcome, check.held_name) == (CLOSE_MATCH, held)


@pytest.mark.parametrize("typed", ["Alice Jones", "Secret", "D S", "Bank of Dan"])
def test_another_name_is_no_match_and_reveals_nothing(typed):
    assert compare_names(typed, "Dan Secretname") == compare_names(typed, "Dan Secretname").__class__(NO_MATCH)


@pytest.mark.parametrize("name", ["", "   ", "x" * 71, "tab\there", None, 5])
def test_payee_names_are_short_visible_text(name):
    with pytest.raises(InvalidInput):
        check_payee_name(name)


def test_payee_names_are_trimmed():
    assert check_payee_name("  Dan   Secretname ") == "Dan Secretname"
