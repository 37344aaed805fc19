"""Lines a job says, in English and with an id a front end can show them by in another language.

A :class:`Message` is registered once, at import, with a stable id and its English template
(``str.format`` fields with their number formats, e.g. ``"epoch {epoch} loss {loss:.4f}"``).
Calling it gives a :class:`Said`: the English line itself (a ``str``, so logs, the CLI, stored
files and every caller that only wants text keep working) carrying ``msg_id`` and ``args``, the
values already formatted as the English line shows them, so a translation shows the same digits.
A value that is itself a ``Said`` is kept as ``{"msg_id", "args"}`` for the front end to show in
its own words too. A structured message (no template) builds its English text elsewhere and passes
JSON-safe ``args`` from which a front end composes its own line.

``MESSAGES`` holds every registered message; the window's catalogue must know every id in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter
from typing import Any

MESSAGES: dict[str, Message] = {}


class Said(str):
    """An English line with the id and the formatted parameters it was made from."""

    msg_id: str
    args: dict[str, Any]

    def __new__(cls, text: str, msg_id: str, args: dict[str, Any]) -> Said:
        made = super().__new__(cls, text)
        made.msg_id, made.args = msg_id, args
        return made

    def __reduce__(self) -> tuple[Any, ...]:  # copies and pickles keep the id (str's would drop it)
        return (Said, (str(self), self.msg_id, self.args))

    def encoded(self) -> dict[str, Any]:
        """What an event stores of this line besides its English text."""
        return {"msg_id": self.msg_id, "args": self.args}


def said_parts(text: str) -> tuple[str, dict[str, Any]]:
    """(msg_id, args) of ``text`` when it is a :class:`Said`, else ("", {})."""
    if isinstance(text, Said):
        return text.msg_id, text.args
    return "", {}


@dataclass(frozen=True)
class Message:
    """A line with a stable id; ``template`` None for a structured one (see the module)."""

    msg_id: str
    template: str | None

    def __call__(self, **values: Any) -> Said:
        if self.template is None:
            raise TypeError(f"message {self.msg_id!r} is structured: use said(text, **args)")
        args: dict[str, Any] = {}
        shown: dict[str, str] = {}
        for _, name, spec, _ in Formatter().parse(self.template):
            if name is None or name in args:
                continue
            value = values[name]
            if isinstance(value, Said):
                args[name], shown[name] = value.encoded(), str(value)
            else:
                shown[name] = format(value, spec or "")
                args[name] = shown[name]
        return Said(plain_template(self.template).format(**shown), self.msg_id, args)

    def said(self, text: str, **args: Any) -> Said:
        """A structured line: the English ``text`` made by the caller, ``args`` JSON-safe."""
        return Said(text, self.msg_id, args)


def plain_template(template: str) -> str:
    """``template`` without number formats: ``"{loss:.4f}"`` -> ``"{loss}"``."""
    out = []
    for literal, name, _, _ in Formatter().parse(template):
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is not None:
            out.append("{" + name + "}")
    return "".join(out)


def message(msg_id: str, template: str | None) -> Message:
    """Register the line ``msg_id`` (once; ids are stable, a second template for one is an error)."""
    made = Message(msg_id, template)
    known = MESSAGES.setdefault(msg_id, made)
    if known != made:
        raise ValueError(f"message id {msg_id!r} is registered with another template")
    return made


def fields_of(template: str) -> set[str]:
    """The names of the fields of ``template``."""
    return {name for _, name, _, _ in Formatter().parse(template) if name is not None}
