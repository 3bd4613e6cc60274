"""All Streamlit code besides ``app.py`` and ``pages/``: the pages call this package, which calls ``partner_directory``.

Shared by every page: ``navigation`` (and the fence around Streamlit's private
API), ``settings`` (settings and language), ``text``, ``style``, ``data``
(cached data), ``downloads``, ``signin`` (staff and members), ``visibility``
(what a session may see), ``upload_guard``. One folder per family of pages:
``members/`` (search, results, card, visit form), ``office/`` (drafts, editing,
review, places, publish, history, visits register, report), and ``overview``.
Imports go one way: the families import the shared modules, never each other.
"""
