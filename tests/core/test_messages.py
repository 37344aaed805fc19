"""Registered lines: the English text written once, the id and the formatted parameters with it."""

from __future__ import annotations

import pytest

from workbench.core import messages
from workbench.core.messages import Message, Said, fields_of, message, plain_template, said_parts

# not registered: the registry holds the application's lines only (the window's catalogue test)
LINE = Message("test_line", "epoch {epoch} loss {loss:.4f} ({why})")
WHY = Message("test_why", "the {what} was small")
DATA = Message("test_data", None)


def test_a_line_is_the_english_text_with_its_id_and_formatted_args() -> None:
    said = LINE(epoch=3, loss=0.123456, why=WHY(what="crop"))
    assert said == "epoch 3 loss 0.1235 (the crop was small)"
    assert isinstance(said, str) and said.msg_id == "test_line"
    assert said.args == {
        "epoch": "3",
        "loss": "0.1235",
        "why": {"msg_id": "test_why", "args": {"what": "crop"}},
    }
    assert said_parts(said) == ("test_line", said.args)
    assert said_parts("plain") == ("", {})


def test_formats_leave_the_template_a_front_end_fills() -> None:
    assert plain_template("a {x:.2f} {{b}} {y}") == "a {x} {{b}} {y}"
    assert fields_of("a {x:.2f} {y}") == {"x", "y"}


def test_an_id_keeps_one_template_and_a_structured_line_takes_its_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(messages, "MESSAGES", {})
    assert message("test_line", "epoch {epoch} loss {loss:.4f} ({why})") == LINE
    assert message("test_line", "epoch {epoch} loss {loss:.4f} ({why})") == LINE  # the same again: fine
    assert messages.MESSAGES == {"test_line": LINE}
    with pytest.raises(ValueError, match="test_line"):
        message("test_line", "another text {epoch}")
    with pytest.raises(TypeError):
        DATA(x=1)
    made = DATA.said("an English line", origin={"a": 1})
    assert isinstance(made, Said) and made == "an English line" and made.args == {"origin": {"a": 1}}
