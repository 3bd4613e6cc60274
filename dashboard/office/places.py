"""Placing a draft's offices on the map: geocoding, coordinates typed by hand, and places the gazetteer suggests.

Widget keys (stable): ``geocode``, ``manual_coordinates``, ``save_coordinates``,
``suggest_office``, ``suggest_place``, ``use_place``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.office import drafts
from dashboard.settings import settings
from dashboard.text import error_text, say
from partner_directory.errors import PartnerDirectoryError
from partner_directory.geo.geocoding.chain import Geocoder, describe_note
from partner_directory.i18n import t
from partner_directory.publication import publishing


def _geocoder() -> Geocoder:
    # A new chain for each geocoding run: Nominatim's rule "do not retry a failed
    # query" and the give-up after connection failures hold for one run, not for
    # the server's lifetime (the network may come back).
    # Answers are remembered in the office's database: every app server places offices from the same ones.
    return Geocoder.from_settings(settings(), cache=data.geocode_cache())


def places(candidate: publishing.Candidate, author: str, lang: str) -> None:
    """Place the draft's new and changed offices: geocode them, then fix by hand those placed only roughly."""
    st.subheader(t("staff.places", lang), anchor=False)
    if candidate.unplaced:
        st.info(say("office.to_place", lang, count=len(candidate.unplaced)))
        if st.button(t("staff.geocode", lang), key="geocode", type="primary"):
            bar = st.progress(0.0, text=t("staff.geocoding", lang))

            def progress(done: int, total: int) -> None:
                bar.progress(done / max(total, 1))

            draft = publishing.place(candidate, _geocoder(), progress=progress)
            bar.empty()
            drafts.set_draft(draft, author, lang)
            st.rerun()  # show the result without the button that is no longer needed
        return
    worked_on = {*candidate.diff.added_positions, *candidate.diff.changed_positions}
    attention = publishing.needs_attention(candidate.table)
    attention = attention[attention.index.isin(sorted(worked_on))]  # only the offices this draft adds or changes
    if attention.empty:
        st.success(t("staff.all_placed", lang))
        return
    st.warning(say("staff.attention", lang, count=len(attention)))
    latitude = pd.to_numeric(attention["latitude"], errors="coerce")
    longitude = pd.to_numeric(attention["longitude"], errors="coerce")
    editor = st.data_editor(
        pd.DataFrame(
            {
                "partner_id": attention["partner_id"],
                "partner_name": attention["partner_name"],
                "city": attention["city"],
                "precision": [t(f"staff.precision.{p}", lang) for p in attention["geocode_precision"]],
                "note": [
                    describe_note(str(note or ""), str(places or "").split("; "), lang)
                    for note, places in zip(
                        attention.get("geocode_note", pd.Series("", index=attention.index)),
                        attention.get("geocode_suggestions", pd.Series("", index=attention.index)),
                        strict=True,
                    )
                ],
                "latitude": latitude,
                "longitude": longitude,
            }
        ),
        disabled=["partner_id", "partner_name", "city", "precision", "note"],
        hide_index=True,
        key="manual_coordinates",
        column_config={
            "latitude": st.column_config.NumberColumn(
                t("staff.col.latitude", lang), min_value=-90, max_value=90, format="%.5f"
            ),
            "longitude": st.column_config.NumberColumn(
                t("staff.col.longitude", lang), min_value=-180, max_value=180, format="%.5f"
            ),
            "partner_id": st.column_config.TextColumn(t("field.partner_id", lang)),
            "precision": st.column_config.TextColumn(t("staff.col.precision", lang)),
            "note": st.column_config.TextColumn(t("geocoding.col.note", lang)),
            "partner_name": st.column_config.TextColumn(t("staff.col.partner", lang)),
            "city": st.column_config.TextColumn(t("staff.col.city", lang)),
        },
    )
    _suggestions(candidate, attention, author, lang)
    if st.button(t("staff.save_coordinates", lang), key="save_coordinates"):
        changes = {}
        for position, row, old_latitude, old_longitude in zip(
            attention.index, editor.to_dict("records"), latitude, longitude, strict=True
        ):
            new_latitude, new_longitude = row["latitude"], row["longitude"]
            if (
                pd.notna(new_latitude)
                and pd.notna(new_longitude)
                and (new_latitude, new_longitude)
                != (
                    old_latitude,
                    old_longitude,
                )
            ):
                changes[int(position)] = (float(new_latitude), float(new_longitude))
        try:
            draft = publishing.place_by_hand(candidate.draft, changes)
        except PartnerDirectoryError as error:
            st.error(error_text(error, lang))
        else:
            drafts.set_draft(draft, author, lang)
            st.session_state[drafts.NOTICE] = t("staff.coordinates_saved", lang, count=len(changes))
            st.rerun()


def _suggestions(candidate: publishing.Candidate, attention: pd.DataFrame, author: str, lang: str) -> None:
    """Pick a place the gazetteer suggests for an office, instead of typing coordinates."""
    from partner_directory.geo.gazetteer.queries import default_gazetteer

    with st.expander(t("staff.suggest", lang)):
        labels = {
            int(position): f"{row['partner_name']} · {row['city'] or row['address']}"
            for position, row in zip(attention.index, attention.to_dict("records"), strict=True)
        }
        offices: list[int] = list(labels)
        office = st.selectbox(
            t("staff.suggest_office", lang), options=offices, format_func=lambda p: labels[p], key="suggest_office"
        )
        places = (
            publishing.suggested_places(candidate.table.iloc[office].to_dict(), default_gazetteer())
            if office is not None
            else None
        )
        if not places:
            st.caption(t("staff.no_suggestions", lang))
            return
        choice = st.selectbox(
            t("staff.suggest_place", lang),
            options=list(range(len(places))),
            key="suggest_place",
            format_func=lambda i: (
                f"{places[i].name} ({places[i].country}, {places[i].population:,} · {places[i].latitude:.3f}, {places[i].longitude:.3f})"
            ),
        )
        if st.button(t("staff.use_place", lang), key="use_place") and office is not None:
            chosen = places[choice]
            drafts.set_draft(
                publishing.place_by_hand(candidate.draft, {office: (chosen.latitude, chosen.longitude)}),
                author,
                lang,
            )
            st.session_state[drafts.NOTICE] = t("staff.coordinates_saved", lang, count=1)
            st.rerun()
