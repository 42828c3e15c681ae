"""Every user-facing string is extracted and translated in every shipped language."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "N_": None,
    "_n": (1, 2),
}
SHIPPED = sorted(p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES").is_dir())


def _source_messages() -> set[str]:
    method_map = [
        ("portal/**.py", "python"),
        ("workflows/**.py", "python"),
        ("portal/templates/**.html", "jinja2"),
        ("portal/templates/**.txt", "jinja2"),
    ]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return {m for m in found if m}


def _catalog(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def test_required_languages_are_shipped():
    assert {"fr"} <= set(SHIPPED)


@pytest.mark.parametrize("locale", SHIPPED)
def test_catalog_has_every_source_string_translated(locale):
    catalog = _catalog(locale)
    missing = sorted(m for m in _source_messages() if m not in catalog)
    assert not missing, f"{len(missing)} strings not in the {locale} catalog: {missing[:10]}"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(("fuzzy", message.id))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = catalog.num_plurals if message.pluralizable else 1
        if any(not s for s in strings) or len(strings) < wanted:
            problems.append(("untranslated", message.id))
    assert not problems, f"{len(problems)} problems in {locale}: {problems[:10]}"


@pytest.mark.parametrize("locale", SHIPPED)
def test_compiled_catalog_matches_its_source(locale):
    compiled = io.BytesIO()
    write_mo(compiled, _catalog(locale), use_fuzzy=False)
    mo = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo"
    assert mo.read_bytes() == compiled.getvalue(), f"run pybabel compile for {locale}"


def test_every_shipped_language_can_be_chosen():
    from portal.config import Config

    assert set(SHIPPED) == set(Config.LANGUAGES) - {"en"}


@pytest.mark.parametrize("locale", SHIPPED)
def test_login_page_renders_in_each_shipped_language(client, locale):
    from markupsafe import escape

    expected = _catalog(locale).get("Sign in").string
    assert expected and expected != "Sign in"
    response = client.get("/login", headers={"Accept-Language": f"{locale},en;q=0.5"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'lang="{locale}"' in body
    buttons = re.findall(r'<input[^>]*type="submit"[^>]*>', body)
    assert any(f'value="{escape(expected)}"' in button for button in buttons), buttons
