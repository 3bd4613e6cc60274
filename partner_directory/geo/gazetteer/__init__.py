"""The offline gazetteer: cities and countries by name, in any language, without a network.

One module per step; import from the module that owns a name:

* :mod:`.queries` — :class:`~.queries.Gazetteer` (find a city, a place, suggestions,
  cities near points, a country's point) and :func:`~.queries.default_gazetteer`;
* :mod:`.locating` — placing an office from its city column and address;
* :mod:`.addresses` — reading an address as words: street names, placeholders;
* :mod:`.places` — the values answered: ``Place``, ``Location``, ``Hints``;
* :mod:`.names` — how a place name is keyed (folding, CJK variants, alternate names);
* :mod:`.index` — the index's version key, file and lookups;
* :mod:`.building` — building the index from GeoNames; :mod:`.regions` — its region names.
"""
