"""The BRA partner directory dashboard (``streamlit run app.py``)."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from partner_directory.errors import PartnerDirectoryError
from partner_directory.validation import check_file

DATA_FILE = Path(os.environ.get("PARTNER_DIRECTORY_DATA", "data/partners.csv"))

st.set_page_config(page_title="BRA partner directory", layout="wide")
st.title("BRA partner directory")
try:
    checked = check_file(DATA_FILE)
except PartnerDirectoryError as error:
    st.error(str(error))
else:
    st.dataframe(checked.table, hide_index=True)
