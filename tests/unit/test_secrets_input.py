"""A secret is given as env:NAME or - (standard input), never as itself."""

from __future__ import annotations

import io

import pytest

from integrations.cli.secrets_input import read_secret


def test_a_secret_comes_from_an_environment_variable(monkeypatch):
    monkeypatch.setenv("CARRIER_KEY", "k-123")
    assert read_secret("env:CARRIER_KEY") == "k-123"


def test_a_secret_comes_from_standard_input(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret\n"))
    assert read_secret("-") == "s3cret"


@pytest.mark.parametrize("spec", ["k-123", "env:", "env:NOT_SET_HERE"])
def test_anything_else_is_refused_without_echoing_a_value(monkeypatch, spec):
    monkeypatch.delenv("NOT_SET_HERE", raising=False)
    with pytest.raises(ValueError, match="--api-key") as error:
        read_secret(spec, option="--api-key")
    assert "k-123" not in str(error.value)


def test_an_empty_secret_is_refused(monkeypatch):
    monkeypatch.setenv("EMPTY_KEY", " ")
    with pytest.raises(ValueError, match="empty"):
        read_secret("env:EMPTY_KEY")
