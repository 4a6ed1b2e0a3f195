"""Small pieces of the administration: what a merge must move, how likely duplicates are told,
how natural keys are rewritten for a merged name, and the pages of a list."""
from __future__ import annotations

import pytest

from web.services.institution_directory import fold, fold_english
from web.services.institution_merge import HANDLED, referencing_columns
from web.services.institution_redirects import KEY_SHAPES
from web.services.paging import Page, offset


def test_the_merge_knows_every_column_that_references_an_institution():
    """A new table pointing at institutions.id is moved by a plain UPDATE; decide whether that is
    right (a unique constraint, a name stored beside the id) and add it to HANDLED."""
    found = {(c.table.name, c.name) for c in referencing_columns()}
    assert found == HANDLED, f"not handled by institution_merge: {found - HANDLED}; gone: {HANDLED - found}"


@pytest.mark.parametrize("a, b", [
    ("吉林大学", "吉林大学（中心校区）"),
    ("吉林大学", "吉林大学 (南岭校区)"),
    ("长春光华科技有限责任公司", "长春光华科技股份有限公司"),
    ("吉大", "吉林大学(前卫校区)"),  # a known short name, expanded first
])
def test_names_that_fold_together(a, b):
    assert fold(a) == fold(b)


@pytest.mark.parametrize("a, b", [("吉林大学", "吉林农业大学"), ("长春理工大学", "长春工业大学"), ("东北师范大学", "东北师范大学附属中学")])
def test_names_that_stay_apart(a, b):
    assert fold(a) != fold(b)


def test_english_names_fold_without_legal_forms_and_short_ones_do_not_count():
    assert fold_english("Jilin University") == fold_english("JILIN UNIVERSITY, the") == "jilinuniversity"
    assert fold_english("Changchun Sci Co., Ltd.") == fold_english("changchun sci company limited")
    assert fold_english("JLU") == "" and fold_english(None) == ""


@pytest.mark.parametrize("shape, value, key, rebuilt", [
    (("institution", "name_key"), "吉林大学中心校区", "吉林大学中心校区", "吉林大学"),
    (("achievement", "natural_key"), "玉米新品种|吉林大学中心校区", "吉林大学中心校区", "玉米新品种|吉林大学"),
    (("instrument", "natural_key"), "吉林大学中心校区|HB-001", "吉林大学中心校区", "吉林大学|HB-001"),
])
def test_natural_keys_are_rewritten_around_the_institution(shape, value, key, rebuilt):
    found, rebuild = KEY_SHAPES[shape](value)
    assert found == key and rebuild("吉林大学") == rebuilt


def test_pages():
    page = Page(list(range(50)), 120, 3, 50)
    assert (page.pages, page.has_prev, page.has_next, page.first, page.last) == (3, True, False, 101, 150)
    assert Page([], 0, 1, 50).pages == 1 and Page([], 0, 1, 50).first == 0
    assert offset(0, 50) == 0 and offset(2, 50) == 50 and offset(10**12, 10) == 999_990
