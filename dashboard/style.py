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
</style>
"""


def page_style() -> None:
    """Add :data:`PAGE_STYLE` to the page (no visible element)."""
    st.html(PAGE_STYLE)
