"""The code check of two-factor authentication (RFC 6238), at explicit times: no sleeping."""

import pyotp
import pytest

from minibank.security import recovery_codes, totp

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = 1_800_000_015.0  # 15 seconds into a step
STEP = int(NOW // 30)


def code(offset_steps: int = 0) -> str:
    """What a phone whose clock is ``offset_steps`` steps off shows at NOW, computed by pyotp itself."""
    return pyotp.TOTP(SECRET).at(NOW + 30 * offset_steps)


def test_the_code_of_now_is_accepted_and_names_its_step():
    assert totp.matching_step(SECRET, code(), now=NOW, last_step=None) == STEP


def test_a_wrong_code_is_refused():
    wrong = f"{(int(code()) + 1) % 1_000_000:06d}"
    assert totp.matching_step(SECRET, wrong, now=NOW, last_step=None) is None


@pytest.mark.parametrize("offset", [-1, 1])
def test_a_clock_one_step_off_either_way_is_accepted(offset):
    assert totp.matching_step(SECRET, code(offset), now=NOW, last_step=None) == STEP + offset


@pytest.mark.parametrize("offset", [-2, 2, -10])
def test_a_clock_two_steps_off_is_refused(offset):
    assert totp.matching_step(SECRET, code(offset), now=NOW, last_step=None) is None


def test_a_used_code_is_refused_the_second_time():
    step = totp.matching_step(SECRET, code(), now=NOW, last_step=None)
    assert totp.matching_step(SECRET, code(), now=NOW, last_step=step) is None
    assert totp.matching_step(SECRET, code(), now=NOW + 20, last_step=step) is None  # still in the window


def test_an_older_code_is_refused_after_a_newer_one_was_used():
    assert totp.matching_step(SECRET, code(-1), now=NOW, last_step=STEP) is None
    assert totp.matching_step(SECRET, code(1), now=NOW, last_step=STEP) == STEP + 1  # a later one still counts


@pytest.mark.parametrize("typed", [" 123 456 ", "123-456"])
def test_spaces_and_a_dash_are_ignored(typed):
    assert totp.normalize_code(typed) == "123456"


@pytest.mark.parametrize("typed", [None, 123456, "", "12345", "1234567", "12345a", "١٢٣٤٥٦"])
def test_anything_but_six_digits_is_not_a_code(typed):
    assert totp.normalize_code(typed) is None
    assert totp.matching_step(SECRET, typed, now=NOW, last_step=None) is None


def test_secrets_are_fresh_base32_of_160_bits_and_the_link_names_the_bank():
    first, second = totp.new_secret(), totp.new_secret()
    assert first != second and len(first) == 32 and pyotp.TOTP(first).now().isdigit()
    uri = totp.provisioning_uri(first, account="carol@example.com")
    assert uri.startswith("otpauth://totp/miniBank:carol%40example.com?secret=" + first)
    assert "issuer=miniBank" in uri
    assert totp.grouped("ABCDEFGH") == "ABCD EFGH"


def test_the_qr_code_is_an_inline_svg_without_script():
    svg = totp.qr_svg(totp.provisioning_uri(SECRET, account="carol@example.com"))
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>") and "script" not in svg


def test_ten_recovery_codes_each_different_and_normalized_whatever_the_typing():
    codes = recovery_codes.generate()
    assert len(codes) == 10 == len(set(codes))
    for one in codes:
        assert recovery_codes.normalize(one) == one
        assert recovery_codes.normalize(f"  {one.upper().replace('-', ' ')} ") == one
    assert recovery_codes.digest(codes[0]) != recovery_codes.digest(codes[1])
    assert len(recovery_codes.digest(codes[0])) == 64


@pytest.mark.parametrize("typed", [None, "", "abcde", "abcde-fghjk-m", "abcde-fghi1", "123456"])
def test_what_cannot_be_a_recovery_code_is_refused(typed):
    assert recovery_codes.normalize(typed) is None
