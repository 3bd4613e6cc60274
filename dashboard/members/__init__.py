"""The members' page (``/directory``): the search, the results on the map and in the list, a partner's card."""
