"""Django's own words on our admin pages and forms are Dutch and German too, even where the
installed Django's catalogues lack them ("Search %(name)s", the pagination headings, the
calendar's labels): ``alliance/locale_django`` supplies each, and a Django upgrade that brings
a new untranslated word fails here, naming it.

The words are found by comparing Django's English catalogues with its Dutch and German ones,
so the list is never written by hand."""

import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import django
import pytest
from django.conf import settings
from django.test import Client as Browser
from django.urls import reverse

from alliance.care.models import Client
from tests.translations.catalogue import Entry, read

ROOT = Path(__file__).resolve().parents[2]
OURS = ROOT / "alliance" / "locale_django"
DJANGO = Path(django.__file__).parent
# The parts of Django whose words reach our pages: the admin, log-in and password forms, the
# model forms' checks.
PACKAGES = ["contrib/admin", "contrib/auth", "contrib/contenttypes", "conf"]
DOMAINS = ["django", "djangojs"]
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
_PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sdr]|\{\{ *\w+ *\}\}")


def _catalogue(package: str, language: str, domain: str) -> list[Entry]:
    path = DJANGO / package / "locale" / language / "LC_MESSAGES" / f"{domain}.po"
    return read(path) if path.exists() else []


def django_lacks(language: str, domain: str) -> list[Entry]:
    """Django's English messages that its own ``language`` catalogue leaves untranslated."""
    lacking = []
    for package in PACKAGES:
        theirs = {e.key: e for e in _catalogue(package, language, domain)}
        for entry in _catalogue(package, "en", domain):
            found = theirs.get(entry.key)
            if entry.msgid and (found is None or not found.translated or found.fuzzy):
                lacking.append(entry)
    return lacking


def ours(language: str, domain: str) -> dict[tuple[str, str], Entry]:
    return {e.key: e for e in read(OURS / language / "LC_MESSAGES" / f"{domain}.po")}


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_word_django_lacks_is_supplied(language: str, domain: str) -> None:
    supplied = ours(language, domain)
    left = [
        e.msgid
        for e in django_lacks(language, domain)
        if e.key not in supplied or not supplied[e.key].translated or supplied[e.key].fuzzy
    ]
    assert left == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs gettext")
@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_supplied_words_compile_with_their_placeholders_intact(
    tmp_path: Path, language: str, domain: str
) -> None:
    po = OURS / language / "LC_MESSAGES" / f"{domain}.po"
    run = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "words.mo"), str(po)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr


def _english_fragments(language: str) -> set[str]:
    """The English text of each word Django lacks, cut at its placeholders: the pieces of two
    words or more ("Filter by", "Search" alone is too common a word to look for)."""
    fragments = set()
    for entry in django_lacks(language, "django"):
        for piece in _PLACEHOLDER.split(re.sub(r"<[^>]+>", "", entry.msgid)):
            if len(piece.split()) >= 2 or piece.strip() in {"Search", "Pagination", "Logout"}:
                fragments.add(piece.strip())
    return fragments


def _hidden_and_shown_text(html: str) -> str:
    # The headings Django hides for screen readers ("Pagination clients") count as shown.
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_admin_list_page_in_dutch_and_german_has_none_of_djangos_missing_english(
    clinic: SimpleNamespace, language: str
) -> None:
    clinic.administrator.language = language
    clinic.administrator.save(update_fields=["language"])
    browser = Browser()
    browser.force_login(clinic.administrator)
    assert Client.objects.exists()
    # A search, so the result line and the search box's label are drawn too.
    page = browser.get(reverse("admin:care_client_changelist"), {"q": "a"})
    assert page.status_code == 200
    text = _hidden_and_shown_text(page.content.decode())
    fragments = _english_fragments(language)
    assert {"Search", "Pagination"} <= fragments
    assert sorted(f for f in fragments if re.search(rf"(?<!\w){re.escape(f)}(?!\w)", text)) == []
