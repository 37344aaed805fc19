"""Helpers shared by CLI verbs: progress bar, JSON output, opening projects."""

from __future__ import annotations

import json
import sys
import time
from typing import Any, TextIO

from workbench.core.project import Project


class ProgressBar:
    """A one-line text progress bar on stderr; silent when ``enabled`` is False.

    Call it as ``progress(fraction, message)``: the signature every long core function takes. The
    time left is guessed from the elapsed time and the fraction, unless ``own_eta`` is False: then it
    is the ``eta_s`` passed in (a job's own estimate, ``JobState.eta``), and none without one.
    """

    def __init__(
        self, label: str = "", enabled: bool = True, stream: TextIO | None = None, own_eta: bool = True
    ) -> None:
        self.label = label
        self.own_eta = own_eta
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.start = time.monotonic()
        self._last = 0.0
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, fraction: float, message: str = "", eta_s: float | None = None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if fraction < 1.0 and now - self._last < (0.1 if self._tty else 2.0):
            return
        self._last = now
        fraction = min(max(fraction, 0.0), 1.0)
        elapsed = now - self.start
        if self.own_eta:
            eta_s = elapsed / fraction - elapsed if 0.02 < fraction < 1.0 else None
        eta = f" ETA {eta_s:4.0f}s" if eta_s is not None and fraction < 1.0 else ""
        width = 28
        bar = "#" * int(width * fraction) + "-" * (width - int(width * fraction))
        line = f"{self.label} [{bar}] {fraction * 100:5.1f}%{eta} {message}"[:160]
        if self._tty:
            self.stream.write("\r" + line.ljust(100))
            if fraction >= 1.0:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def done(self, message: str = "done") -> None:
        self._last = 0.0
        self(1.0, message)


def print_json(obj: Any) -> None:
    """Print an object as JSON on stdout (for scripts)."""
    print(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


def open_project(folder: str, readonly: bool = False) -> Project:
    return Project.open(folder, readonly=readonly)


TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0")
NONE_WORDS = ("none", "null")


def parse_value(text: str, kind: str) -> Any:
    """``text`` as a value of the dataclass field type ``kind`` (``"bool"``, ``"int"``,
    ``"float | None"``, ``"dict[str, Any]"`` ...); a ``ValueError`` saying what it takes otherwise."""
    options = [k.strip() for k in kind.split("|")]
    word = text.strip()
    if "None" in options and word.lower() in NONE_WORDS:
        return None
    base = next((k for k in options if k != "None"), "str")
    if base == "bool":
        if word.lower() in TRUE_WORDS:
            return True
        if word.lower() in FALSE_WORDS:
            return False
        raise ValueError(f"takes true or false, got {text!r}")
    if base in ("int", "float"):
        try:
            return int(word) if base == "int" else float(word)
        except ValueError:
            raise ValueError(
                f"takes {'a whole number' if base == 'int' else 'a number'}, got {text!r}"
            ) from None
    if base.startswith("dict"):
        try:
            value = json.loads(word)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise ValueError(f'takes a JSON object such as {{"rot90": false}}, got {text!r}')
        return value
    return text


def parse_setting(text: str, kinds: dict[str, str]) -> tuple[str, Any]:
    """``"KEY=VALUE"`` -> ``(key, value)`` typed by ``kinds`` (setting name -> field type);
    a ``ValueError`` naming an unknown key (with the nearest known ones) or a bad value."""
    import difflib

    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ValueError(f"takes KEY=VALUE, got {text!r}")
    if key not in kinds:
        near = difflib.get_close_matches(key, list(kinds), n=3)
        hint = f"; did you mean {', '.join(near)}?" if near else f"; known: {', '.join(sorted(kinds))}"
        raise ValueError(f"unknown setting {key!r}{hint}")
    try:
        return key, parse_value(value, kinds[key])
    except ValueError as exc:
        raise ValueError(f"{key} {exc}") from None
