"""Docs that are checked: every command has help with an example, and the README names it."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from helpers import REPO
from nba_backfill.cli import main

COMMANDS = sorted(main.commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example_and_is_in_the_readme(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output
    readme = (REPO / "README.md").read_text()
    assert re.search(rf"`{re.escape(command)}[ `]", readme), f"README does not mention `{command}`"


def test_ci_runs_exactly_the_readme_test_command():
    readme = (REPO / "README.md").read_text()
    second = re.findall(r"^python3 -m venv .*$", readme, flags=re.M)[1]
    assert second in (REPO / ".ci" / "run").read_text()
