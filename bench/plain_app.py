"""A plain streamlit-folium page over the same partner file: the load benchmark's yardstick.

``streamlit run bench/plain_app.py`` with ``PARTNER_DIRECTORY_DATA_FILE`` set.
It is the page most teams would write first: read the CSV with pandas, filter
with pandas, draw every office with folium's ``FastMarkerCluster``, show the
table with ``st.dataframe``. It has the directory's widget keys (``q``,
``near``, ``radius``, ``f_service``, ``clear``) and service labels, so the same
journeys drive both. Not part of the product.
"""

from __future__ import annotations

import math
import os

import folium
import pandas as pd
import streamlit as st
from folium.plugins import FastMarkerCluster
from streamlit_folium import st_folium

SERVICE_LABELS = {
    "desk": "Desk",
    "meeting_room": "Meeting room",
    "internet": "Internet access",
    "introductions": "Local introductions",
    "events": "Events",
}


@st.cache_data
def load(path: str) -> pd.DataFrame:
    table = pd.read_csv(path, dtype=str).fillna("")
    table["lat"] = pd.to_numeric(table["latitude"], errors="coerce")
    table["lon"] = pd.to_numeric(table["longitude"], errors="coerce")
    return table


def clear() -> None:
    for key in ("q", "near", "f_service"):
        st.session_state.pop(key, None)
    st.session_state["radius"] = 300


def distance_km(lat: float, lon: float, lats: pd.Series, lons: pd.Series) -> pd.Series:
    phi1, phi2 = math.radians(lat), lats.map(math.radians)
    dphi = (lats - lat).map(math.radians)
    dlmb = (lons - lon).map(math.radians)
    a = (dphi / 2).map(math.sin) ** 2 + math.cos(phi1) * phi2.map(math.cos) * (dlmb / 2).map(math.sin) ** 2
    return 2 * 6371 * a.map(lambda value: math.asin(math.sqrt(min(1.0, value))))


table = load(os.environ["PARTNER_DIRECTORY_DATA_FILE"])
st.title("Partners")
text = st.text_input("Search", key="q")
near = st.text_input("Near a place", key="near")
radius = st.number_input("Within km", min_value=1, value=300, key="radius")
services = st.multiselect("Service", list(SERVICE_LABELS.values()), key="f_service")
st.button("Clear all", key="clear", on_click=clear)

shown = table
if text:
    mask = pd.Series(False, index=shown.index)
    for column in ("partner_name", "office_name", "city", "country", "sectors", "description"):
        mask |= shown[column].str.contains(text, case=False, regex=False)
    shown = shown[mask]
for label in services:
    code = next(code for code, shown_label in SERVICE_LABELS.items() if shown_label == label)
    shown = shown[shown["services"].str.contains(code, regex=False)]
if near:
    anchor = table[(table["city"].str.casefold() == near.casefold()) & table["lat"].notna()]
    if anchor.empty:
        shown = shown.iloc[0:0]
    else:
        distances = distance_km(anchor["lat"].iloc[0], anchor["lon"].iloc[0], shown["lat"], shown["lon"])
        shown = shown.assign(distance_km=distances)[distances <= radius]

st.write(f"{len(shown)} offices")
placed = shown.dropna(subset=["lat", "lon"])
world = folium.Map(location=[20, 0], zoom_start=2)
FastMarkerCluster(placed[["lat", "lon"]].values.tolist()).add_to(world)
st_folium(world, height=500, use_container_width=True, returned_objects=[])
st.dataframe(shown.drop(columns=["lat", "lon"]), use_container_width=True)
