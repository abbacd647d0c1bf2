"""Tests for geo.cli.args: the argument types and run-time helpers of the ``geo`` command."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path

import pytest

from geo.cli.args import (
    ALLOW_PRIVATE_ENV,
    allow_private_urls,
    bbox_arg,
    countries_arg,
    country_code,
    date_arg,
    describe_os_error,
    event_types_arg,
    max_bytes_arg,
    one_line,
    output_arg,
)
from geo.limits import MAX_INPUT_BYTES


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("SY", "SY"),
        ("sy", "SY"),
        (" Sy ", "SY"),
        ("SYR", "SY"),
        ("760", "SY"),
        ("Syria", "SY"),
        ("syria", "SY"),
        ("Syrian Arab Republic", "SY"),
        ("syrian  arab republic", "SY"),
        ("Turkey", "TR"),
        ("Türkiye", "TR"),
        ("Turkiye", "TR"),
        ("Iran", "IR"),
        ("Iran, Islamic Republic of", "IR"),
        ("Russia", "RU"),
        ("UK", "GB"),
        ("United Kingdom", "GB"),
        ("USA", "US"),
        ("U.S.", "US"),
        ("South Korea", "KR"),
        ("Ivory Coast", "CI"),
        ("Cote d'Ivoire", "CI"),
        ("Côte d'Ivoire", "CI"),
        ("the Netherlands", "NL"),
        ("Kosovo", "XK"),
        ("XK", "XK"),
        ("Palestine", "PS"),
        ("DR Congo", "CD"),
        ("Iraq", "IQ"),
    ],
)
def test_country_code_reads_names_and_codes(text: str, code: str) -> None:
    assert country_code(text) == code


@pytest.mark.parametrize("text", ["Narnia", "ZZ", "", "   ", "Syria Turkey", "S"])
def test_country_code_names_an_unknown_country(text: str) -> None:
    with pytest.raises(ValueError, match=f"unknown country {text!r}"):
        country_code(text)


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Syria", ("SY",)),
        ("Syria,Turkey", ("SY", "TR")),
        ("sy, TUR ,Iraq", ("SY", "TR", "IQ")),
        ("Syria,,SY,", ("SY",)),  # empty items skipped, repeats dropped
        ("Korea, Republic of", ("KR",)),
        ("Iran, Islamic Republic of,Iraq", ("IR", "IQ")),
        ("Iraq,Iran, Islamic Republic of", ("IQ", "IR")),
    ],
)
def test_countries_arg_reads_a_comma_separated_list(text: str, codes: tuple[str, ...]) -> None:
    assert countries_arg(text) == codes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Syria,Narnia", "unknown country 'Narnia'"),
        ("Narnia , Syria", "unknown country 'Narnia '"),
        (",", "expected country names or codes, got ','"),
        ("", "expected country names or codes"),
    ],
)
def test_countries_arg_rejects(text: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        countries_arg(text)


def test_event_types_arg() -> None:
    assert event_types_arg("strike,protest") == ("strike", "protest")
    assert event_types_arg(" Strike , strike,") == ("strike",)
    with pytest.raises(argparse.ArgumentTypeError,
                       match=r"unknown event type 'bogus'; expected one of \['armed_clash'"):
        event_types_arg("strike,bogus")
    with pytest.raises(argparse.ArgumentTypeError, match="expected event types"):
        event_types_arg(" , ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b", "expected a bbox as W,S,E,N in degrees, got 'a,b'"),
        ("1,2,3", "got '1,2,3'"),
        ("1,2,3,4,5", "got '1,2,3,4,5'"),
        ("200,0,10,10", r"bbox \(200.0, 0.0, 10.0, 10.0\) is not"),
        ("0,50,1,40", "south <= north"),
        ("nan,0,1,1", "is not"),
        ("0,0,inf,1", "is not"),
    ],
)
def test_bbox_arg_rejects(text: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        bbox_arg(text)


def test_bbox_arg_accepts_the_antimeridian() -> None:
    assert bbox_arg("170,-20,-170,-10") == (170.0, -20.0, -170.0, -10.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "expected a positive integer, got '0'"),
        ("-5", "expected a positive integer"),
        ("ten", "expected a positive integer, got 'ten'"),
        ("9" * 5000, "expected a positive integer"),  # past int()'s digit limit
        (str(MAX_INPUT_BYTES + 1), "over the hard limit of 50,000,000 bytes"),
        ("200000000", "200,000,000 bytes is over the hard limit"),
    ],
)
def test_max_bytes_arg_rejects(text: str, message: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        max_bytes_arg(text)


def test_max_bytes_arg_accepts_up_to_the_hard_limit() -> None:
    assert max_bytes_arg(str(MAX_INPUT_BYTES)) == MAX_INPUT_BYTES
    assert max_bytes_arg("1") == 1


@pytest.mark.parametrize("text", ["2023-13-01", "2023-02-30", "yesterday", "", "2023-1-1x"])
def test_date_arg_rejects(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=f"got {text!r}"):
        date_arg(text)


def test_date_arg() -> None:
    assert date_arg("2023-02-06") == dt.date(2023, 2, 6)


def test_output_arg(tmp_path: Path) -> None:
    assert output_arg("-") == "-"
    assert output_arg(str(tmp_path / "x.csv")) == str(tmp_path / "x.csv")
    with pytest.raises(argparse.ArgumentTypeError, match="does not exist"):
        output_arg(str(tmp_path / "missing" / "x.csv"))
    with pytest.raises(argparse.ArgumentTypeError, match="is a folder"):
        output_arg(str(tmp_path))
    (tmp_path / "file").write_text("")
    with pytest.raises(argparse.ArgumentTypeError, match="does not exist"):
        output_arg(str(tmp_path / "file" / "x.csv"))
    with pytest.raises(argparse.ArgumentTypeError, match="expected a file name"):
        output_arg("")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to any folder")
def test_output_arg_refuses_a_read_only_folder(tmp_path: Path) -> None:
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(argparse.ArgumentTypeError, match="is not writable"):
            output_arg(str(tmp_path / "x.csv"))
    finally:
        tmp_path.chmod(0o755)


@pytest.mark.parametrize("before", [None, "0"])
def test_allow_private_urls_sets_the_variable_for_the_block_only(
    monkeypatch: pytest.MonkeyPatch, before: str | None
) -> None:
    if before is None:
        monkeypatch.delenv(ALLOW_PRIVATE_ENV, raising=False)
    else:
        monkeypatch.setenv(ALLOW_PRIVATE_ENV, before)
    with allow_private_urls(True):
        assert os.environ[ALLOW_PRIVATE_ENV] == "1"
    assert os.environ.get(ALLOW_PRIVATE_ENV) == before
    with allow_private_urls(False):
        assert os.environ.get(ALLOW_PRIVATE_ENV) == before
    with pytest.raises(RuntimeError), allow_private_urls(True):
        raise RuntimeError("the variable is restored on errors too")
    assert os.environ.get(ALLOW_PRIVATE_ENV) == before


def test_describe_os_error_and_one_line() -> None:
    assert describe_os_error(IsADirectoryError(21, "Is a directory", "/d")) == (
        "Is a directory: '/d'")
    assert describe_os_error(OSError()) == "OSError"
    assert one_line("a\n b\r\n\tc") == "a b c"
    assert one_line("x" * 500, limit=10) == "xxxxxxx..."
