"""Docs follow the code: README documents every command, option and doc it links to."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from cicagraph.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_quick_start_is_exactly_two_commands() -> None:
    quick = README.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in quick.strip().splitlines()]
    assert commands == ["make serve", "make test"]


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_is_in_the_readme(name: str) -> None:
    assert f"`cicagraph {name}" in README


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_option_is_in_the_readme(name: str) -> None:
    command = cli.commands[name]
    for param in command.params:
        if isinstance(param, click.Option) and param.name not in {"help"}:
            longest = max(param.opts, key=len)
            assert longest in README, f"{name} {longest} is not documented in README.md"


def test_linked_docs_exist() -> None:
    root = Path(__file__).resolve().parent.parent
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith("http"):
            assert (root / target).exists(), target
