"""How text becomes words (``search/words.py``): the typo budget and the synonym groups."""

from __future__ import annotations

import pytest

from partner_directory.search.words import allowed_edits


@pytest.mark.parametrize(("length", "edits"), [(1, 0), (3, 0), (4, 1), (7, 1), (8, 2), (20, 2)])
def test_allowed_edits(length, edits):
    assert allowed_edits(length) == edits


def test_every_synonym_group_is_in_both_languages():
    from partner_directory.i18n import tables

    groups = {key: texts for key, texts in tables().items() if key.startswith("synonyms.")}
    assert len(groups) >= 8
    for texts in groups.values():
        assert all(term.strip() for language in ("en", "pl") for term in texts[language].split(";"))
