"""Secrets for CLI options come from the environment or standard input, never the command line."""

from __future__ import annotations

import io

import pytest

from integrations.cli.secrets_input import SecretInputError, read_secret


def test_env_spec_reads_the_variable(monkeypatch):
    monkeypatch.setenv("UPS_HOOK_SECRET", "whsec_from_env")
    assert read_secret("env:UPS_HOOK_SECRET") == "whsec_from_env"


def test_dash_reads_one_line_of_standard_input(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("sk_live_from_stdin\nignored\n"))
    assert read_secret("-") == "sk_live_from_stdin"


@pytest.mark.parametrize("literal", ["sk_live_51Habc", "whsec_x7Q", "ENV:X9Z", "envsecret"])
def test_a_literal_is_refused_with_the_way_to_give_it(literal):
    with pytest.raises(SecretInputError) as refused:
        read_secret(literal, option="--action-secret")
    message = str(refused.value)
    assert "env:NAME" in message and "standard input" in message and "--action-secret" in message
    assert literal not in message  # the refusal never repeats the secret


def test_an_unset_variable_or_an_empty_secret_is_an_error(monkeypatch):
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    with pytest.raises(SecretInputError, match="NOT_SET_ANYWHERE is not set"):
        read_secret("env:NOT_SET_ANYWHERE")
    monkeypatch.setenv("EMPTY_SECRET", "  ")
    with pytest.raises(SecretInputError, match="empty"):
        read_secret("env:EMPTY_SECRET")
    with pytest.raises(SecretInputError, match="variable name"):
        read_secret("env:bad name")


def test_a_secret_too_long_to_store_is_refused(monkeypatch):
    monkeypatch.setenv("HUGE_SECRET", "x" * 1001)
    with pytest.raises(SecretInputError, match="longer than 1000"):
        read_secret("env:HUGE_SECRET")
    monkeypatch.setenv("HUGE_SECRET", "x" * 1000)
    assert len(read_secret("env:HUGE_SECRET")) == 1000
