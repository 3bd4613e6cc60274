"""What this session may see: the published table and the search index a visitor receives.

Every page takes the directory and its index from here, never from
``dashboard.data`` directly. The decision (who may see contact data) is
``partner_directory.access.visibility``'s; here a visitor who is not signed in
in the ``members`` mode gets a table and an index built without contact data,
shared by every such visitor.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from dashboard import data
from dashboard.signin import current_visitor, member_config
from partner_directory.access.visibility import Visitor, may_see_contacts, visible_table
from partner_directory.publication.published import Directory
from partner_directory.search.engine import SearchIndex


def sees_contacts() -> bool:
    """Whether this session may receive contact persons, e-mails, phones and the visit form."""
    return may_see_contacts(member_config().mode, current_visitor())


def sees_only_public() -> bool:
    """Whether this session receives no more than a visitor who is not signed in: its data may go into public files."""
    return may_see_contacts(member_config().mode, Visitor()) or not sees_contacts()


def directory() -> Directory:
    """The published directory as this session may receive it: without contact data unless it may see it."""
    found = data.directory()
    return found if sees_contacts() else _hidden_directory(found.version, found)


def search_index(found: Directory) -> SearchIndex:
    """The search index this session searches, of ``found`` (what :func:`directory` gave it this run): one
    built without contact data unless it may see it, so a search for a contact person's name finds nothing
    (no oracle for hidden data)."""
    if sees_contacts():
        return data.search_index(found)
    return _hidden_index(found.version, found)


@st.cache_resource(max_entries=4, show_spinner=False)
def _hidden_directory(version: str, _found: Directory) -> Directory:
    # Keyed by the published version, shared by every visitor who is not signed in.
    hidden = visible_table(_found.table, mode="members", visitor=Visitor())
    return dataclasses.replace(_found, table=hidden)


@st.cache_resource(max_entries=4, show_spinner=False)
def _hidden_index(version: str, _found: Directory) -> SearchIndex:
    from partner_directory.geo.gazetteer.queries import default_gazetteer

    return data.index_of(_found.table, resolve_place=default_gazetteer().find_place)
