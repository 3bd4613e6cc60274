"""The page's look: Streamlit's own, adjusted where it fails members (WCAG 2.1 AA) or makes the page jump."""

from __future__ import annotations

import streamlit as st

# Captions are drawn at 60 % opacity (4.16:1 on white, below 4.5:1), code
# highlighting colours (the sign-in page's settings example) are as faint, and
# the sidebar's page links show no focus ring when reached with Tab.
# The map's frame is drawn 0 px tall (or not at all) until its script has loaded, so the list
# below it would jump down by the map's height under a member's pointer. The map sits in a
# container with a fixed key (Streamlit names it by the class ``st-key-<key>``) that keeps
# the map's height from the container's first paint, before the frame exists.
MAP_HEIGHT = 480
MAP_FRAME_KEY = "offices_map"
#: The members' five filters, one horizontal container (``dashboard.members.search``).
FILTERS_ROW_KEY = "search_filters"
#: The members' search words, place and radius, one horizontal container (``dashboard.members.search``).
WORDS_ROW_KEY = "search_words"
#: The members' two download buttons under the list, one horizontal container (``dashboard.members.results``).
DOWNLOADS_ROW_KEY = "list_downloads"
#: The members' sentence of what a search found and the clear button beside it (``dashboard.members.results``).
SUMMARY_ROW_KEY = "search_summary"
#: The members' list (``dashboard.members.results``: ``st.dataframe(key=…)``).
LIST_KEY = "list"
#: The members' list's key columns (px): Partner, City and Country fit a 390 px phone beside the row's
#: checkbox; a longer name ends in "…" and reads whole in the card. Wider windows give the rest to the others.
LIST_WIDTHS = {"partner": 155, "city": 85, "country": 80}
#: The staff's table editor (``dashboard.office.editing``), whose toolbar needs room above it.
EDITOR_KEY = "editor"
#: Up to this width the page is laid out for a phone (390 px and the like): filters after the map.
PHONE_MAX_WIDTH = 640
#: The map's height on a phone: the count and most of the map fit the first 844 px screen.
PHONE_MAP_HEIGHT = 360
PAGE_STYLE = f"""
<style>
.st-key-{MAP_FRAME_KEY},
iframe[title="streamlit_folium.st_folium"] {{ min-height: {MAP_HEIGHT}px; }}
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {{ color: #4b5563; opacity: 1; }}
[data-testid="stCode"] code span {{ color: inherit !important; }}
[data-testid="stCode"] code span.comment {{ color: #4b5563 !important; }}
[data-testid="stSidebarNav"] a:focus-visible,
[data-testid="stSidebar"] button:focus-visible,
[data-testid="stMain"] a:focus-visible {{
  outline: 3px solid #0b5cab; outline-offset: 2px; border-radius: 4px;
}}
/* A chosen filter reads whole ("Niemcy", never "Nie…") and a second choice wraps below the first,
   instead of scrolling out of sight inside a 150 px field at 1280 px. */
[data-testid="stMultiSelect"] [data-testid="stMultiSelectTagsContainer"] {{
  flex: 1 1 0; min-width: 0; flex-wrap: wrap; overflow: visible; row-gap: 2px; height: auto; padding: 2px 0;
}}
[data-testid="stMultiSelect"] div:has(> [data-testid="stMultiSelectTagsContainer"]) {{
  height: auto; max-height: none; min-height: 2.5rem;
}}
[data-testid="stMultiSelect"] [data-testid="stMultiSelectTagsContainer"] > span {{ display: contents; }}
[data-testid="stMultiSelect"] [data-testid="stMultiSelectTagsContainer"] > span > span {{
  max-width: 100%; flex-shrink: 0; height: auto;
}}
[data-testid="stMultiSelect"] [data-testid="stMultiSelectTagsContainer"] > span > span > span {{
  white-space: normal; overflow-wrap: normal; text-overflow: clip; overflow: visible;
}}
/* The staff's buttons keep their words whole ("Discard draft"): a button's label wraps, never ellipsed. */
[data-testid="stMain"] button p {{ white-space: normal; overflow: visible; text-overflow: clip; }}
/* The staff editor's toolbar floats above the grid's top right corner: the help line above keeps clear of it. */
.st-key-{EDITOR_KEY} {{ margin-top: 2.2rem; }}
/* The members' list's own toolbar offers an English "Download as CSV" that Streamlit cannot translate;
   the page's own Excel and CSV buttons under the list say it in the page's language. */
.st-key-{LIST_KEY} [data-testid="stElementToolbarButton"]:has(button[aria-label="Download as CSV"]) {{ display: none; }}
/* The members' rows of fields are horizontal containers (one element each, where columns were one per
   column): the five filters and the two downloads share their rows equally, words : place : radius 3 : 2 : 1. */
.st-key-{FILTERS_ROW_KEY} > *, .st-key-{DOWNLOADS_ROW_KEY} > * {{ flex: 1 1 0; min-width: 0; }}
.st-key-{WORDS_ROW_KEY} > * {{ min-width: 0; }}
.st-key-{WORDS_ROW_KEY} > :nth-child(1) {{ flex: 0 0 calc(50% - 2rem / 3); }}
.st-key-{WORDS_ROW_KEY} > :nth-child(2) {{ flex: 0 0 calc(100% / 3 - 2rem / 3); }}
.st-key-{WORDS_ROW_KEY} > :nth-child(3) {{ flex: 0 0 calc(100% / 6 - 2rem / 3); }}
.st-key-{SUMMARY_ROW_KEY} > :nth-child(1) {{ flex: 0 0 calc(500% / 6 - 0.5rem); min-width: 0; }}
.st-key-{SUMMARY_ROW_KEY} > :nth-child(2) {{ flex: 0 0 calc(100% / 6 - 0.5rem); min-width: 0; }}
@media (max-width: {PHONE_MAX_WIDTH}px) {{
  /* A phone: the count and the map come straight after the search words and the place; the five
     filters follow the map (each field a full screen-width line would push them a screen lower). */
  [data-testid="stLayoutWrapper"]:has(> .st-key-{FILTERS_ROW_KEY}) {{ order: 1; }}
  .st-key-{FILTERS_ROW_KEY}, .st-key-{WORDS_ROW_KEY}, .st-key-{DOWNLOADS_ROW_KEY}, .st-key-{SUMMARY_ROW_KEY} {{
    flex-direction: column; align-items: stretch;
  }}
  .st-key-{FILTERS_ROW_KEY} > *, .st-key-{WORDS_ROW_KEY} > *, .st-key-{DOWNLOADS_ROW_KEY} > *,
  .st-key-{SUMMARY_ROW_KEY} > * {{
    width: 100%; max-width: 100%; flex: 0 0 auto;
  }}
  .st-key-{WORDS_ROW_KEY} > :nth-child(n), .st-key-{SUMMARY_ROW_KEY} > :nth-child(n) {{ flex: 0 0 auto; }}
  [data-testid="stLayoutWrapper"]:has(> .st-key-{MAP_FRAME_KEY}) ~ * {{ order: 2; }}
  .st-key-{MAP_FRAME_KEY}, iframe[title="streamlit_folium.st_folium"] {{ min-height: {PHONE_MAP_HEIGHT}px; }}
  [data-testid="stMain"] h1 {{ font-size: 1.6rem; padding-top: 0; }}
  [data-testid="stMainBlockContainer"] {{ padding-top: 3rem; }}
}}
</style>
"""


def page_style() -> None:
    """Add :data:`PAGE_STYLE` to the page (no visible element)."""
    st.html(PAGE_STYLE)
