"""Languages of the window: pick one (setting, else the system locale), load its Qt translator, switch.

Translations live in resources/i18n/workbench_<code>.ts (the source of truth, edited by people)
and the compiled .qm next to it (made by packaging/i18n_update.py, committed so a plain install
needs no Qt tools). Switching at run time installs the new translator; Qt then sends
QEvent.LanguageChange to every widget, and each page, dialog and widget sets its own texts again
(see :mod:`workbench.gui.retranslatable`). Nothing is rebuilt, so the project stays open and unsaved
mask strokes and undo history stay where they are.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from workbench.gui.settings import app_settings

I18N_DIR = Path(__file__).resolve().parents[2] / "resources" / "i18n"
SOURCE_LANGUAGE = "en"
# Shown in their own language in the menu, so a person can find theirs whatever is active.
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}
SETTING = "ui/language"
ENV = "WORKBENCH_LANG"
# Chinese glyphs: Windows, then Linux (Noto from fonts-noto-cjk, WenQuanYi), then macOS.
CJK_FONTS = (
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "PingFang SC",
)

_installed: list[QTranslator] = []
_state = {"language": SOURCE_LANGUAGE, "font": ""}


def ts_path(code: str) -> Path:
    return I18N_DIR / f"workbench_{code}.ts"


def qm_path(code: str) -> Path:
    return I18N_DIR / f"workbench_{code}.qm"


def normalise(code: str) -> str:
    """Map a locale name ("zh_CN", "zh-Hans", "zh_TW.UTF-8", "en_US") to a language we ship."""
    code = code.replace("-", "_").split(".")[0]
    if code in LANGUAGES:
        return code
    # Traditional-Chinese readers still read Simplified far better than English.
    if code.lower().startswith("zh"):
        return "zh_CN"
    return SOURCE_LANGUAGE


def system_language() -> str:
    """The shipped language closest to the system locale."""
    locale = QLocale.system()
    if locale.language() == QLocale.Language.Chinese:
        return "zh_CN"
    return normalise(locale.name())


def chosen_language() -> str:
    """$WORKBENCH_LANG, else the saved setting, else the system locale."""
    value = os.environ.get(ENV) or str(app_settings().value(SETTING, "") or "")
    return normalise(value) if value else system_language()


def current_language() -> str:
    return _state["language"]


def save_language(code: str) -> None:
    settings = app_settings()
    settings.setValue(SETTING, normalise(code))
    settings.sync()


def _load(path: Path) -> QTranslator | None:
    translator = QTranslator()
    return translator if path.is_file() and translator.load(str(path)) else None


def install_language(code: str | None = None) -> str:
    """Install the translators for ``code`` (default: :func:`chosen_language`); returns the code used.

    Installing a translator makes Qt post QEvent.LanguageChange to every window; they are delivered
    before this returns, so every open widget shows the new language then, Qt's own dialogs
    (message box buttons, file dialogs) included, from qtbase_<code>.qm.
    """
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("install_language needs a QApplication")
    code = normalise(code or chosen_language())
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    if code != SOURCE_LANGUAGE:
        qt_dir = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
        ours = _load(qm_path(code))
        if ours is None:
            # A broken install must still open the window, in the language every string exists in.
            warnings.warn(
                f"no compiled translation {qm_path(code)}; run packaging/i18n_update.py", stacklevel=2
            )
            return install_language(SOURCE_LANGUAGE)
        for found in (_load(qt_dir / f"qtbase_{code}.qm"), ours):
            if found is not None:
                app.installTranslator(found)
                _installed.append(found)
    QLocale.setDefault(QLocale(code if code != SOURCE_LANGUAGE else "en_US"))
    _state["language"] = code
    if isinstance(app, QApplication):
        apply_font(app, code)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)
    return code


def apply_font(app: QApplication, code: str) -> None:
    """Give the application font a CJK fallback list; for Chinese put it first so glyphs match."""
    font = QFont(app.font())
    base = _state["font"] or font.family()
    _state["font"] = base
    families = [*CJK_FONTS, base] if code.startswith("zh") else [base, *CJK_FONTS]
    font.setFamilies(families)
    app.setFont(font)


def switch_language(code: str) -> str:
    """Save ``code`` as the setting and install it; open widgets re-text themselves. Returns the code."""
    code = normalise(code)
    save_language(code)
    return install_language(code)
