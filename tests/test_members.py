"""Who sees what: the access mode, the contact fields, the members' e-mail domains."""

from __future__ import annotations

import pandas as pd
import pytest

from partner_directory.access.visibility import (
    CONTACT_FIELDS,
    Visitor,
    email_allowed,
    email_domains,
    may_see_contacts,
    visible_fields,
    visible_table,
)
from partner_directory.config import Settings, access_mode
from partner_directory.errors import ConfigurationError
from partner_directory.sheet.schema import COLUMNS

ANONYMOUS = Visitor()
MEMBER_BY_CODE = Visitor(member=True, method="code")
MEMBER_BY_OIDC = Visitor(member=True, email="anna@acme.example.org", method="oidc")
STAFF = Visitor(staff=True)


@pytest.mark.parametrize(
    ("mode", "visitor", "allowed"),
    [
        ("public", ANONYMOUS, True),
        ("public", MEMBER_BY_CODE, True),
        ("members", ANONYMOUS, False),
        ("members", MEMBER_BY_CODE, True),
        ("members", MEMBER_BY_OIDC, True),
        ("members", STAFF, True),
        ("membres", ANONYMOUS, False),  # a typo never publishes personal data
        ("", ANONYMOUS, False),
    ],
)
def test_who_may_see_contacts(mode, visitor, allowed):
    assert may_see_contacts(mode, visitor) is allowed


def test_contact_fields_are_the_schemas_personal_columns():
    assert set(CONTACT_FIELDS) <= set(COLUMNS)
    assert {c for c in COLUMNS if c.startswith("contact_")} == set(CONTACT_FIELDS)


def test_a_visitor_who_is_not_signed_in_gets_every_other_field():
    fields = visible_fields(COLUMNS, mode="members", visitor=ANONYMOUS)
    assert fields == [c for c in COLUMNS if c not in CONTACT_FIELDS]
    for kept in ("partner_name", "office_name", "city", "country", "sectors", "services", "website"):
        assert kept in fields
    assert visible_fields(COLUMNS, mode="members", visitor=MEMBER_BY_CODE) == list(COLUMNS)


def test_the_table_sent_to_a_page_has_no_contact_data_at_all():
    table = pd.DataFrame(
        [
            {
                "partner_name": "Berlin Digital Cluster",
                "contact_name": "Jana",
                "contact_email": "jana@example.org",
                "contact_phone": "+49 30 1234",
                "website": "https://example.org",
                "lat": 52.5,
            }
        ]
    )
    hidden = visible_table(table, mode="members", visitor=ANONYMOUS)
    assert list(hidden.columns) == list(table.columns)  # the page's code finds every column, empty
    assert hidden[list(CONTACT_FIELDS)].eq("").all().all()
    assert "jana" not in hidden.to_json().lower() and "1234" not in hidden.to_json()
    assert hidden["website"].tolist() == ["https://example.org"] and table["contact_name"].tolist() == ["Jana"]
    assert visible_table(table, mode="members", visitor=MEMBER_BY_OIDC) is table
    assert visible_table(table, mode="public", visitor=ANONYMOUS) is table


@pytest.mark.parametrize(
    ("email", "domains", "allowed"),
    [
        ("anna@acme.example.org", [], True),
        ("anna@acme.example.org", ["acme.example.org"], True),
        ("anna@ACME.example.org", ["Acme.Example.org"], True),
        ("anna@it.acme.example.org", ["acme.example.org"], True),
        ("anna@acme.example.org.evil.net", ["acme.example.org"], False),
        ("anna@notacme.example.org", ["acme.example.org"], False),
        ("anna@other.example.net", ["acme.example.org", "example.net"], True),
        ("", ["acme.example.org"], False),
        ("no-at-sign", [], False),
        ("a@b@acme.example.org", ["acme.example.org"], False),
        ("anna@", [], False),
    ],
)
def test_member_email_domains(email, domains, allowed):
    assert email_allowed(email, domains) is allowed


def test_domains_written_any_way():
    assert email_domains("@A.org; b.org ,, ") == ("a.org", "b.org")
    assert email_domains(["A.org", "a.org"]) == ("a.org",)


def test_access_setting():
    assert Settings().access == "public"  # make run shows everything
    assert Settings.from_env({"PARTNER_DIRECTORY_ACCESS": " MEMBERS "}).access == "members"
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({"PARTNER_DIRECTORY_ACCESS": "private"})
    assert "PARTNER_DIRECTORY_ACCESS" in str(caught.value) and "members" in caught.value.message("pl")
    with pytest.raises(ConfigurationError):
        access_mode("everyone")
