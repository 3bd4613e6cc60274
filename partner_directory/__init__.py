"""The BRA partner directory's domain logic (no Streamlit here).

The package logs details (a damaged workbook's parser error, a geocoder's
failure) to the ``partner_directory`` logger and never prints them: a command
says one sentence, and the server that runs the dashboard attaches its own
log handler (see ``ui.py``).
"""

import logging

logging.getLogger(__name__).addHandler(logging.NullHandler())
