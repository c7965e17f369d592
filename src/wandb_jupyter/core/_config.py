"""``run.config`` and ``run.summary``: dicts with attribute access that persist on change."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

from ..common._errors import UsageError
from ..common._yaml import load_config_file
from ._serialize import to_jsonable

__all__ = ["Config", "Summary", "config_from"]


def config_from(value: Any, where: str = "init(config=...)") -> dict[str, Any]:
    """A config given as a dict, an argparse.Namespace (or similar option object) or a YAML file's path."""
    if value is None:
        return {}
    if isinstance(value, (str, os.PathLike)):
        return load_config_file(Path(value), where)
    if isinstance(value, Mapping):
        return dict(value)
    if hasattr(value, "__dict__"):  # argparse.Namespace and similar option objects
        return {k: v for k, v in vars(value).items() if not k.startswith("_")}
    raise UsageError(f"{where} takes a dict, an argparse.Namespace or a YAML path, not {type(value).__name__}")


class _PersistedDict(MutableMapping):
    """A dict whose values are made JSON-compatible on the way in, calling ``on_change`` after edits."""

    _what = "value"

    def __init__(self, data: Mapping[str, Any] | None = None, on_change: Callable[[], None] | None = None) -> None:
        object.__setattr__(self, "_on_change", on_change)
        object.__setattr__(self, "_data", {k: self._convert(k, v) for k, v in (data or {}).items()})

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change()

    def _convert(self, key: Any, value: Any) -> Any:
        if not isinstance(key, str):
            raise UsageError(f"{self._what} keys must be strings, not {type(key).__name__} ({key!r})")
        return to_jsonable(value, f"{self._what} {key!r}")

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = self._convert(key, value)
        self._changed()

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self._changed()

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._data[name]
        except KeyError:
            raise AttributeError(f"{self._what} has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        """Set many keys and persist once."""
        items = dict(other.items() if hasattr(other, "items") else vars(other) if hasattr(other, "__dict__") else other)
        items.update(kwargs)
        converted = {key: self._convert(key, value) for key, value in items.items()}
        self._data.update(converted)
        self._changed()

    def as_dict(self) -> dict[str, Any]:
        return dict(self._data)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


class Config(_PersistedDict):
    """Hyper-parameters of a run: ``run.config.lr``, ``run.config["lr"]``, ``run.config.update({...})``.

    Values may be changed after they are set (W&B's ``allow_val_change`` is
    accepted and not needed).
    """

    _what = "config"

    def update(self, other: Any = (), /, allow_val_change: bool | None = None, **kwargs: Any) -> None:
        super().update(other, **kwargs)

    def replace(self, values: Mapping[str, Any]) -> None:
        """Make ``values`` the whole config (``run.config = {...}``), persisted once; a bad value changes nothing."""
        converted = {key: self._convert(key, value) for key, value in values.items()}
        self._data.clear()
        self._data.update(converted)
        self._changed()

    def setdefaults(self, defaults: Mapping[str, Any]) -> None:
        """Set the keys of ``defaults`` that are not set yet."""
        self.update({k: v for k, v in defaults.items() if k not in self._data})


class Summary(_PersistedDict):
    """Final values of a run: the last logged value of each key unless set explicitly.

    ``media``: the run's hook that stores a data type set here (``summary["best"] = Image(...)``)
    under ``files/media/`` and gives back its JSON value, as W&B does (file names with ``summary``
    in place of the step). Without one (a disabled run) such a value is kept as it is.
    """

    _what = "summary"

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        on_change: Callable[[], None] | None = None,
        media: Callable[[str, Any], Any] | None = None,
    ) -> None:
        object.__setattr__(self, "_media", media)
        super().__init__(data, on_change)

    def _convert(self, key: Any, value: Any) -> Any:
        from ..data_types._values import has_media  # the data types load when the summary is first set, not at import

        if isinstance(key, str) and has_media({key: value}):
            if self._media is None:  # a disabled run stores nothing: the value is kept as given
                return value
            value = self._media(key, value)
        return super()._convert(key, value)
