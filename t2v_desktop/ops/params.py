"""Typed operation parameters with ranges and defaults.

One declaration serves the parser (what numbers mean), the GUI (which widget to build),
the CLI `ops` listing and validation. Out-of-range values raise ParamError: never clamped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from ..errors import ParamError


@dataclass(frozen=True)
class Param:
    """Base of all parameter types."""

    default: Any = None
    description: str = ""

    type_name = "any"

    def validate(self, name: str, value: Any) -> Any:
        return value

    def describe(self) -> dict:
        return {"type": self.type_name, "default": self.default, "description": self.description}


@dataclass(frozen=True)
class Float(Param):
    """A real number in [min, max]. ``unit`` is for display ("s", "x", "%", "deg")."""

    min: float = 0.0
    max: float = 1.0
    default: float = 0.0
    description: str = ""
    unit: str = ""
    #: How big "a bit" / "much" are for this parameter, used by the parser; default 1/10 and 1/2 of max.
    small: Optional[float] = None
    large: Optional[float] = None

    type_name = "float"

    def validate(self, name: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise ParamError(f"'{name}' must be a number, got {value!r}.") from None
        value = float(value)
        if value != value or not (self.min <= value <= self.max):
            raise ParamError(
                f"'{name}' must be between {self.min:g} and {self.max:g}{self.unit}, got {value:g}{self.unit}."
            )
        return value

    def describe(self) -> dict:
        d = super().describe()
        d.update(min=self.min, max=self.max, unit=self.unit)
        return d


@dataclass(frozen=True)
class Int(Param):
    min: int = 0
    max: int = 100
    default: int = 0
    description: str = ""
    unit: str = ""

    type_name = "int"

    def validate(self, name: str, value: Any) -> int:
        if isinstance(value, bool):
            raise ParamError(f"'{name}' must be a whole number, got {value!r}.")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int):
            try:
                value = int(str(value))
            except ValueError:
                raise ParamError(f"'{name}' must be a whole number, got {value!r}.") from None
        if not (self.min <= value <= self.max):
            raise ParamError(f"'{name}' must be between {self.min} and {self.max}{self.unit}, got {value}.")
        return value

    def describe(self) -> dict:
        d = super().describe()
        d.update(min=self.min, max=self.max, unit=self.unit)
        return d


@dataclass(frozen=True)
class Bool(Param):
    default: bool = False
    description: str = ""

    type_name = "bool"

    def validate(self, name: str, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
            return value.lower() in ("true", "yes", "on", "1")
        if value in (0, 1):
            return bool(value)
        raise ParamError(f"'{name}' must be true or false, got {value!r}.")


@dataclass(frozen=True)
class Choice(Param):
    options: Sequence[str] = field(default_factory=tuple)
    default: str = ""
    description: str = ""

    type_name = "choice"

    def validate(self, name: str, value: Any) -> str:
        v = str(value).strip().lower()
        for opt in self.options:
            if v == opt.lower():
                return opt
        raise ParamError(f"'{name}' must be one of {', '.join(self.options)}; got {value!r}.")

    def describe(self) -> dict:
        d = super().describe()
        d.update(options=list(self.options))
        return d


@dataclass(frozen=True)
class Text(Param):
    """Free text (a prompt) or a file path (``is_path``)."""

    default: str = ""
    description: str = ""
    is_path: bool = False
    max_length: int = 1000

    type_name = "text"

    def validate(self, name: str, value: Any) -> str:
        if value is None:
            value = ""
        value = str(value)
        if len(value) > self.max_length:
            raise ParamError(f"'{name}' is too long ({len(value)} > {self.max_length} characters).")
        return value

    def describe(self) -> dict:
        d = super().describe()
        d.update(is_path=self.is_path)
        return d
