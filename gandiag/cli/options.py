"""Command-line options declared once, as ``Flag``s naming a config field's dotted path.

Their types, defaults and choices come from the config classes, so a field's default
lives in its config only. ``with_flags`` adds them to a command and hands it the parsed
values as ``Settings``, which know which options the user actually gave. The few options
that set no config field are in ``PLAIN_OPTIONS``.
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


def parse_names(text: str, option: str) -> tuple[str, ...]:
    """'a,b' or 'a b' -> ('a', 'b'): names separated by commas or spaces."""
    return tuple(text.replace(",", " ").split())


def parse_costs(text: str, option: str = "--cost") -> tuple[str, ...]:
    """'both' -> the paper's two costs; otherwise a comma-separated list of generator costs."""
    if text == "both":
        return PAPER_COSTS
    return tuple(part.strip() for part in text.split(",") if part.strip())


@dataclasses.dataclass(frozen=True)
class Flag:
    """A command-line option that sets one config field.

    A tuple field without ``parse`` is a repeatable option (``--study a --study b``).

    Attributes:
        path: the field's dotted name in the config, e.g. ``optimizer.lr``.
        help: the option's help text.
        name: the option's name when it is not the field's (``--cost`` sets ``costs``).
        parse: for list fields, ``(text, "--option") -> value``; the option takes text.
        default: the text default of a list option when it is not the config's default.
        choices: the allowed values where a registry above the config names them (a
            ``Literal`` field's come from its type).
        hidden: left out of ``--help`` (options for tests).
    """

    path: str
    help: str = ""
    name: str | None = None
    parse: Callable[[str, str], object] | None = None
    default: str | None = None
    choices: tuple[str, ...] = ()
    hidden: bool = False

    @property
    def parameter(self) -> str:
        return self.name or self.path.rsplit(".", 1)[-1]

    @property
    def option(self) -> str:
        return "--" + self.parameter.replace("_", "-")

    def allowed(self, config_class) -> tuple[str, ...]:
        """The values the option takes, for --help and the shell; () for any."""
        return self.choices or _literal_choices(field_type(config_class, self.path))

    def typer_parameter(self, defaults) -> inspect.Parameter:
        """The option as a parameter Typer reads, its type and default from ``defaults``
        (a config class instead: no default, the option is None unless given)."""
        config_class = _config_class(defaults)
        value = None if defaults is config_class else field_value(defaults, self.path)
        annotation, value = self._typed(field_type(config_class, self.path), value)
        allowed = self.allowed(config_class)
        option = typer.Option(value, help=self.help, hidden=self.hidden,
                              metavar=f"[{'|'.join(allowed)}]" if allowed else None,
                              autocompletion=(lambda: list(allowed)) if allowed else None)
        return inspect.Parameter(self.parameter, inspect.Parameter.KEYWORD_ONLY,
                                 default=option, annotation=annotation)

    def _typed(self, kind, value) -> tuple[object, object]:
        """The type Typer parses the option as, and the option's default for ``value``."""
        if self.parse is not None:  # text, parsed by ``convert``
            text = None if value is None else ",".join(
                f"{v:g}" if isinstance(v, float) else str(v) for v in value)
            return str | None, self.default or text
        if _is_tuple(kind):  # repeatable
            return list[_option_type(typing.get_args(kind)[0])] | None, list(value or ()) or None
        return _option_type(kind) if value is not None else _option_type(kind) | None, value

    def convert(self, value):
        """The field's value from the option's (never None: None is the config's default)."""
        if self.parse is not None:
            return self.parse(value, self.option)
        return tuple(value) if isinstance(value, list) else value


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
    A config class instead of an instance gives the types only: such options change a
    config chosen at run time (a preset), and their ``Settings`` hold only those given.
    The command keeps its flags as ``flags``: option -> (Flag, its config or class).
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
            for group, (flags, defaults) in groups.items():
                given = frozenset(flag.path for flag in flags if context.get_parameter_source(
                    flag.parameter).name != "DEFAULT")
                values = {}
                for flag in flags:
                    value = kwargs.pop(flag.parameter)
                    if value is not None:
                        values[flag.path] = flag.convert(value)
                    elif not isinstance(defaults, type):
                        values[flag.path] = field_value(defaults, flag.path)
                settings[group] = Settings(values, given)
            return command(**settings, **kwargs)

        context = inspect.Parameter(_CONTEXT, inspect.Parameter.KEYWORD_ONLY,
                                    annotation=typer.Context)
        parameters = [context, *own, *added]
        wrapper.__signature__ = inspect.Signature(parameters)
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        wrapper.flags = {flag.option: (flag, defaults) for flags, defaults in groups.values()
                         for flag in flags}
        return wrapper

    return decorate


def choice_argument(literal, help: str):
    """A required argument taking one of a ``Literal``'s values (listed in --help, completed
    by the shell; the config that receives it checks it)."""
    allowed = choices(literal)
    return typer.Argument(..., help=help, metavar="|".join(allowed),
                          autocompletion=lambda: list(allowed), show_default=False)


def _config_class(defaults) -> type:
    return defaults if isinstance(defaults, type) else type(defaults)


def _is_tuple(kind) -> bool:
    return typing.get_origin(kind) is tuple


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
