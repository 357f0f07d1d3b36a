"""A command group that imports a command's module only when that command runs.

Building every command on every run cost most of a read's start-up: importing every command
module (and what each imports), then Typer reading every command's annotations to build its
click objects, when only one command runs (click's "lazily loading subcommands" pattern,
adapted to Typer). The group knows each command's name and the first sentence of its help, so
`ledger --help`, a typo's suggestion and shell completion of a command name import nothing;
running a command, its own `--help` or completing its options builds that one command.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from gettext import gettext as _
from typing import Any

import typer
from typer._click import Command, Context, HelpFormatter
from typer._click.shell_completion import CompletionItem
from typer._click.utils import make_default_short_help
from typer.core import TyperGroup


@dataclass(frozen=True)
class Lazy:
    """A command not imported yet: what registers it on a Typer app, and its help's first
    sentence (all that `ledger --help` and completion show of it; tests/e2e/test_cli_help.py checks
    it against the command's own help)."""

    register: Callable[[typer.Typer], None]
    summary: str


class LazyCommands(MutableMapping[str, Command]):
    """A group's commands by name: every name known up front, each built when first asked for.

    Iterating gives the names alone (in the order of `lazy`, then any command added later), so
    listing them builds nothing; looking one up builds it."""

    def __init__(
        self,
        lazy: Mapping[str, Lazy],
        built: Mapping[str, Command],
        build: Callable[[str, Lazy], Command],
    ) -> None:
        self.lazy = lazy
        self.built = dict(built)
        self._build = build

    def __getitem__(self, name: str) -> Command:
        if name not in self.built:
            if name not in self.lazy:
                raise KeyError(name)
            self.built[name] = self._build(name, self.lazy[name])
        return self.built[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self.built[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError("a command cannot be removed")

    def __iter__(self) -> Iterator[str]:
        yield from self.lazy
        yield from (name for name in self.built if name not in self.lazy)

    def __len__(self) -> int:
        return len(self.lazy) + sum(1 for name in self.built if name not in self.lazy)

    def __contains__(self, name: object) -> bool:
        return name in self.lazy or name in self.built


def lazy_group(commands: Mapping[str, Lazy], options: typer.Typer) -> type[TyperGroup]:
    """A TyperGroup class (for `typer.Typer(cls=...)`) whose commands are `commands`, built
    with the settings of `options` (the app) as Typer would have built them."""

    def build(name: str, lazy: Lazy) -> Command:
        # A Typer of its own for the command's module: registering only records the functions;
        # the one command asked for is then built as `typer.main.get_group` builds each.
        holder = typer.Typer()
        lazy.register(holder)
        for info in holder.registered_commands:
            if info.name == name:
                return typer.main.get_command_from_info(
                    info,
                    pretty_exceptions_short=options.pretty_exceptions_short,
                    rich_markup_mode=options.rich_markup_mode,
                )
        for group in holder.registered_groups:
            if group.name == name:
                return typer.main.get_group_from_info(
                    group,
                    pretty_exceptions_short=options.pretty_exceptions_short,
                    rich_markup_mode=options.rich_markup_mode,
                    suggest_commands=options.suggest_commands,
                )
        raise LookupError(f"registering {name!r} did not register it")

    class LazyGroup(TyperGroup):
        def __init__(self, *, commands: Any = None, **attrs: Any) -> None:
            super().__init__(**attrs)
            # Commands registered on the app itself (tests add some) are built already.
            self.commands = LazyCommands(commands_table, commands or {}, build)

        def list_commands(self, ctx: Context) -> list[str]:
            return list(self.commands)

        def _short_help(self, name: str, limit: int) -> str:
            """What click shows of a command in a list, without building it if it is lazy."""
            assert isinstance(self.commands, LazyCommands)
            if name in self.commands.built:
                return self.commands.built[name].get_short_help_str(limit)
            # Click shortens the first paragraph, stopping at its first full stop, so the
            # first sentence gives the same line at every width.
            return make_default_short_help(self.commands.lazy[name].summary, limit).strip()

        def _visible(self, ctx: Context) -> list[str]:
            assert isinstance(self.commands, LazyCommands)
            built = self.commands.built
            return [n for n in self.list_commands(ctx) if n not in built or not built[n].hidden]

        def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
            # TyperGroup.format_commands, with the help lines of commands not built yet.
            names = self._visible(ctx)
            if names:
                limit = formatter.width - 6 - max(len(name) for name in names)
                rows = [(name, self._short_help(name, limit)) for name in names]
                with formatter.section(_("Commands")):
                    formatter.write_dl(rows)

        def shell_complete(self, ctx: Context, incomplete: str) -> list[CompletionItem]:
            # TyperGroup.shell_complete (the commands, then the group's options), unbuilt.
            results = [
                CompletionItem(name, help=self._short_help(name, 45))
                for name in self._visible(ctx)
                if name.startswith(incomplete)
            ]
            results.extend(Command.shell_complete(self, ctx, incomplete))
            return results

    commands_table = commands
    return LazyGroup
