"""Command-line options declared once, as ``Flag``s naming a config field's dotted path.

Their types and defaults come from the config classes, so a field's default lives in
``gandiag.config`` only. ``with_flags`` adds them to a command and hands it the parsed
values as ``Settings``, which know which options the user actually gave.
"""

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable

import typer

from gandiag.config import PAPER_COSTS, choices, field_type, field_value, from_dict, to_dict
from gandiag.errors import GandiagError


def parse_ints(text: str, option: str) -> tuple[int, ...]:
    """'1,10,25' -> (1, 10, 25), or a one-line error naming the option."""
    try:
        return tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise GandiagError(f"{option} {text!r} is not a comma-separated list of integers, "
                           "e.g. 1,10,25") from None


def parse_floats(text: str, option: str) -> tuple[float, ...]:
    """'0,0.1,0.5' -> (0.0, 0.1, 0.5), or a one-line error naming the option."""
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise GandiagError(f"{option} {text!r} is not a comma-separated list of numbers, "
                           "e.g. 0,0.1,0.5") from None


def parse_costs(text: str, option: str = "--cost") -> tuple[str, ...]:
    """'both' -> the paper's two costs; otherwise a comma-separated list of generator costs."""
    if text == "both":
        return PAPER_COSTS
    return tuple(part.strip() for part in text.split(",") if part.strip())


@dataclasses.dataclass(frozen=True)
class Flag:
    """A command-line option that sets one config field.

    Attributes:
        path: the field's dotted name in the config, e.g. ``optimizer.lr``.
        help: the option's help text.
        name: the option's name when it is not the field's (``--cost`` sets ``costs``).
        parse: for list fields, ``(text, "--option") -> value``; the option takes text.
        default: the text default of a list option when it is not the config's default.
    """

    path: str
    help: str = ""
    name: str | None = None
    parse: Callable[[str, str], object] | None = None
    default: str | None = None

    @property
    def parameter(self) -> str:
        return self.name or self.path.rsplit(".", 1)[-1]

    @property
    def option(self) -> str:
        return "--" + self.parameter.replace("_", "-")

    def typer_parameter(self, defaults) -> inspect.Parameter:
        value = field_value(defaults, self.path)
        kind = field_type(type(defaults), self.path)
        if self.parse is not None:
            annotation, value = str, self.default or ",".join(f"{v:g}" if isinstance(v, float)
                                                              else str(v) for v in value)
        else:
            annotation = _option_type(kind)
        allowed = _literal_choices(kind)
        option = typer.Option(value, help=self.help,
                              metavar=f"[{'|'.join(allowed)}]" if allowed else None,
                              autocompletion=(lambda: list(allowed)) if allowed else None)
        return inspect.Parameter(self.parameter, inspect.Parameter.KEYWORD_ONLY,
                                 default=option, annotation=annotation)

    def convert(self, value):
        return self.parse(value, self.option) if self.parse is not None else value


@dataclasses.dataclass(frozen=True)
class Settings:
    """The values of a command's flags, by field path, and which of them the user gave."""

    values: dict[str, object]
    given: frozenset[str]

    def apply(self, config, only_given: bool = False):
        """``config`` with the flags' values set (only those given, if ``only_given``).

        The config is rebuilt from a dict in one go, so it is validated once, on the
        combination of values rather than on each intermediate one.
        """
        values = to_dict(config)
        for path, value in self.values.items():
            if not only_given or path in self.given:
                *parents, name = path.split(".")
                target = values
                for parent in parents:
                    target = target[parent]
                target[name] = list(value) if isinstance(value, tuple) else value
        return from_dict(type(config), values)


# The name under which Typer hands the wrapper its context (to tell given options from defaults).
_CONTEXT = "_typer_context"


def with_flags(**groups: tuple[list[Flag], object]):
    """Add each group's flags to a command, passed to it as ``Settings`` under the group's name.

    ``groups``: name -> (flags, the config instance whose fields give types and defaults).
    """

    def decorate(command):
        own = [parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY)
               for name, parameter in inspect.signature(command).parameters.items()
               if name not in groups]
        added = [flag.typer_parameter(defaults) for flags, defaults in groups.values()
                 for flag in flags]

        @functools.wraps(command)
        def wrapper(**kwargs):
            context = kwargs.pop(_CONTEXT)
            settings = {}
            for group, (flags, _) in groups.items():
                values = {flag.path: flag.convert(kwargs.pop(flag.parameter)) for flag in flags}
                given = frozenset(flag.path for flag in flags if context.get_parameter_source(
                    flag.parameter).name != "DEFAULT")
                settings[group] = Settings(values, given)
            return command(**settings, **kwargs)

        context = inspect.Parameter(_CONTEXT, inspect.Parameter.KEYWORD_ONLY,
                                    annotation=typer.Context)
        parameters = [context, *own, *added]
        wrapper.__signature__ = inspect.Signature(parameters)
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        return wrapper

    return decorate


def _literal_choices(kind) -> tuple[str, ...]:
    """The values of a Literal field (of its elements, for a tuple field); () otherwise."""
    arguments = [a for a in typing.get_args(kind) if a is not type(None) and a is not Ellipsis]
    if typing.get_origin(kind) is typing.Literal:
        return tuple(map(str, arguments))
    if typing.get_origin(kind) in (tuple, typing.Union) or type(None) in typing.get_args(kind):
        return next((found for a in arguments if (found := _literal_choices(a))), ())
    return ()


def _option_type(kind):
    """The type Typer parses an option as: a Literal's values are checked by the config."""
    arguments = typing.get_args(kind)
    if type(None) in arguments:
        return _option_type(next(a for a in arguments if a is not type(None))) | None
    if typing.get_origin(kind) is typing.Literal:
        return str
    return kind


def one_of(literal) -> str:
    return ", ".join(choices(literal))
