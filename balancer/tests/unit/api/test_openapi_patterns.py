"""The OpenAPI document's translations say exactly what the API accepts."""

import random
import re

import pytest

from balancer.api.schemas import addresses, openapi, resources, validate
from balancer.core import exceptions

RANGES = [(0, 0), (1, 65535), (0, 1000000), (1, 256), (100, 599), (1, 86400),
          (0, 2 ** 31 - 1), (7, 7), (9, 10), (99, 101), (5, 1234), (1, 100)]


@pytest.mark.parametrize("low, high", RANGES)
def test_range_patterns_match_exactly_the_numbers_in_range(low, high):
    pattern = re.compile(openapi.range_pattern(low, high))
    chooser = random.Random(low * 7919 + high)
    numbers = list(range(0, min(high * 10 + 20, 120000)))
    numbers += [chooser.randrange(0, 10 ** 11) for _ in range(5000)] + [low, high, high + 1]
    for number in numbers:
        assert bool(pattern.search(str(number))) == (low <= number <= high), number


def test_whole_string_patterns_refuse_a_final_newline():
    for value in ("GET\n", "GET\r\n", "\nGET", "GETX"):
        with pytest.raises(exceptions.Invalid):
            validate(resources.MONITOR["properties"]["method"], value)
    assert validate(resources.MONITOR["properties"]["method"], "get") == "get"


def test_the_document_patterns_are_ecma_compatible():
    """No Python-only syntax (``\\Z``, inline flags) reaches the document."""
    text = openapi.as_yaml()
    assert "\\Z" not in text and "(?i)" not in text
    for pattern in re.findall(r"pattern: (.*)", text):
        assert pattern.strip("'").endswith("$"), pattern


@pytest.mark.parametrize("text, role, ok", [
    ("10.0.0.1", "vip", True), ("0.0.0.0", "vip", True), ("::1", "vip", True),
    ("127.0.0.1", "vip", True), ("2001:db8::1", "vip", True),
    ("fe80::1", "node", True), ("fe80::1", "vip", False), ("ff02::1", "vip", False),
    ("224.0.0.251", "vip", False), ("255.255.255.255", "vip", False),
    ("240.1.2.3", "vip", False), ("::ffff:1.2.3.4", "vip", False),
    ("fe80::1%eth0", "node", False), ("1.2.3.4 ", "node", False), ("x", "node", False),
])
def test_address_rules(text, role, ok):
    assert (addresses.problem(text, role) is None) == ok


@pytest.mark.parametrize("text", ["0.5", "1", ".5", "2.", "-3.25", "255", "abc", "", ".",
                                  "-", "1e3", "nan", "inf", "0.5\n", " 1", "1,5", "1.2.3"])
def test_the_document_s_decimal_string_is_what_a_fractional_number_accepts(text):
    """``numberLike`` in the document: its string pattern accepts exactly the
    strings the API turns into numbers (the range aside)."""
    schema = openapi.standard({"numberLike": [-1000, 1000]})
    pattern = schema["anyOf"][1]["pattern"]
    in_document = re.search(pattern.replace("$", "\\Z"), text) is not None
    try:
        accepted = isinstance(validate({"numberLike": [-1000, 1000]}, text), float)
    except exceptions.Invalid:
        accepted = False
    assert in_document == accepted
    assert schema["anyOf"][0] == {"type": "number", "minimum": -1000, "maximum": 1000}
