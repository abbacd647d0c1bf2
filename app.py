"""conflict-map's Streamlit page. For now: paste text, see the places it names."""

from __future__ import annotations

import streamlit as st

import geo
from geo.errors import GeoError


@st.cache_data(show_spinner="Finding places...")
def toponym_rows(text: str) -> list[dict]:
    return [t.to_dict() for t in geo.geoparse(text)]


st.set_page_config(page_title="conflict-map", layout="wide")
st.title("conflict-map")
st.write("The map dashboard comes with a later issue; meanwhile, paste an article below.")

text = st.text_area("Article text", height=240, key="text")
if text.strip():
    try:
        rows = toponym_rows(text)
    except GeoError as err:
        st.error(str(err))
    else:
        if rows:
            st.dataframe(rows, hide_index=True, width="stretch")
        else:
            st.info("No places found.")
