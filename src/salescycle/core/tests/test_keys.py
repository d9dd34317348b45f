"""The key rule (api.md "Strict input", issue #12 item 5): what a key may hold, and that every key it allows can
travel through a URL and back unchanged."""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from salescycle.core.errors import InvalidInput
from salescycle.core.keys import (
    KEY_MAX_LENGTH,
    bad_keys,
    canonical_key,
    is_valid_key,
    normalize_key,
    optional_key,
    validate_key,
)
from salescycle.core.numbering import validate_prefix

# The nastiest keys the rule allows: spaces inside, quotes, HTML and query-string characters, non-ASCII letters.
NASTY_ALLOWED = ["A <B>&'\"+;=@!*ÄÖÜ:", "ÄÖÜ É Ñ ÆØÅ", "X+Y=Z;Q&R@S!T*U", "'\"", "A.B", "...A", "{}[]|^`~$,"]

REFUSED = [
    "SP/X",  # the review's contact
    "SP/OPP",
    "ADV/1",
    "A\\B",
    "A?B",
    "A#B",
    "A%2F",
    '$`[@Ê/"',  # schemathesis' sales cycle
    "N/Ò\x90",  # schemathesis' activity (C1 control)
    "A\x85B",  # C1 NEL
    "A\x00B",
    "A\x1fB",
    "A\x7fB",  # DEL
    "A\tB",
    "A\nB",
    "A\u00a0B",  # no-break space
    "A\u200bB",  # zero-width space (format character)
    "A\u2028B",  # line separator
    "A\u2029B",  # paragraph separator
    "A\ue000B",  # private use
    "A\U000e0001B",  # language tag (format)
    "A\u0378B",  # unassigned
    "A\ud800B",  # lone surrogate
    " A",
    "A ",
    ".",
    "..",
    "...",
    "",
    "A" * 21,
]


@pytest.mark.parametrize("key", NASTY_ALLOWED)
def test_nasty_but_harmless_keys_are_allowed_and_upper_cased(key: str) -> None:
    assert validate_key(key, "no") == key.upper()
    assert is_valid_key(key.upper())


@pytest.mark.parametrize("key", REFUSED)
def test_keys_that_break_a_url_or_are_invisible_are_refused_with_invalid_input_on_the_field(key: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_key(key, "code")
    assert caught.value.code == "invalid_input"
    assert caught.value.status == 422
    assert list(caught.value.fields) == ["code"]
    assert not is_valid_key(key)


def test_a_key_is_checked_after_upper_casing_which_may_lengthen_it() -> None:
    assert validate_key("straße", "no") == "STRASSE"
    with pytest.raises(InvalidInput):
        validate_key("ß" * 11, "no")  # 22 characters once upper-case


def test_a_key_is_stored_in_nfc_form_and_looked_up_in_the_same_form() -> None:
    decomposed = "A\u0308"  # A + combining diaeresis
    assert validate_key(decomposed, "no") == "Ä"
    assert normalize_key(" a\u0308 ") == "Ä"
    assert not is_valid_key(decomposed)


def test_a_stored_key_in_lower_case_is_reported_as_breaking_the_rule() -> None:
    assert not is_valid_key("abc")
    assert bad_keys(["ABC", "abc", "A/B", 7]) == ["'abc'", "'A/B'", "7"]


def test_blank_optional_keys_mean_the_next_number_and_others_follow_the_rule() -> None:
    assert optional_key(None, "no") == ""
    assert optional_key("", "no") == ""
    assert optional_key("op-1", "no") == "OP-1"
    with pytest.raises(InvalidInput):
        optional_key(" ", "no")


def test_a_number_series_prefix_must_leave_a_valid_key_with_its_digits() -> None:
    assert validate_prefix("op-", digits=6, field="p") == "OP-"
    assert validate_prefix("", digits=6, field="p") == ""
    for prefix in ("A/", "A%", "." * 0 + "A" * 15):  # 15 + 6 digits = 21 characters
        with pytest.raises(InvalidInput):
            validate_prefix(prefix, digits=6, field="p")


@given(st.text(max_size=30))
@settings(max_examples=500, deadline=None)
def test_validate_key_either_refuses_or_gives_a_valid_key_that_validates_to_itself(text: str) -> None:
    try:
        key = validate_key(text, "no")
    except InvalidInput:
        assert not is_valid_key(canonical_key(text))
        return
    assert is_valid_key(key)
    assert validate_key(key, "no") == key
    assert normalize_key(key) == key
    assert len(key) <= KEY_MAX_LENGTH
    assert not set(key) & set("/\\?#%")


@given(st.text(min_size=1, max_size=19), st.sampled_from("/\\?#%\x00\x1f\x7f\x80\x9f\u2028\ue000"))
def test_any_forbidden_character_anywhere_is_refused(text: str, bad: str) -> None:
    for key in (bad + text, text + bad, text[:1] + bad + text[1:]):
        with pytest.raises(InvalidInput):
            validate_key(key, "no")


VALID_KEYS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="/\\?#%"), min_size=1, max_size=KEY_MAX_LENGTH
).filter(is_valid_key)


@given(VALID_KEYS)
@settings(max_examples=100, deadline=None)
def test_every_valid_key_goes_through_reverse_and_resolve_unchanged(key: str) -> None:
    # The routes that take a key in the path: the opportunity card, the setup edit page, the task card, a quote.
    for name, kwargs, arg in (
        ("opportunities:card", {}, "no"),
        ("setup:edit", {"slug": "contacts"}, "key"),
        ("tasks:card", {}, "no"),
        ("sales:quote", {}, "no"),
        ("opportunities:stage_statistics", {}, "code"),
    ):
        url = reverse(name, kwargs={**kwargs, arg: key})
        match = resolve(_as_server_sees(url))
        assert match.view_name == name
        assert match.kwargs[arg] == key


def _as_server_sees(url: str) -> str:
    # What reaches Django's resolver: the path percent-decoded (WSGI's PATH_INFO), as the test client does.
    from urllib.parse import unquote

    return unquote(url)
