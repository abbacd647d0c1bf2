"""Drawing events, without streamlit: layer styles, escaping, popups, Leaflet elements,
the folium map, the timeline and the offline assets they load."""
