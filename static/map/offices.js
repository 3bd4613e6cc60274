/*
 * The partner directory's map code: office markers in clusters, country
 * outlines and place names under the tiles.
 *
 * Served once by the app at /app/static/map/offices.js and cached by the
 * browser; inlined only in the standalone map page (`map` command). It holds
 * no data. The offices come either from a JSON element of the map's page
 * (`source.id`: [texts, rows], every field of every office), or from two files
 * under static/offices/ named by their content and cached by the browser: the
 * points (`source.url`: [latitudes, longitudes, flags], all the first view
 * needs) and the texts (`source.texts`: [texts, rows]), fetched only when a
 * text is needed -- a single office drawn (its name for the keyboard), a click
 * (its popup) or a selected partner. `source.shown` says which rows to show.
 * A search on the app's page does not mount a new map: it calls `search` with the
 * rows found (a bitmap of the same points), the view to fit and the places to name,
 * and the mounted map clusters those rows again (see partner_directory/maps/building.py).
 * Options arrive as an argument; both are built on the server by
 * partner_directory/maps/ (rows.py, elements.py, office_file.py). Every text
 * from the data is set with textContent, never as HTML.
 *
 * Clusters are computed by supercluster (static/supercluster/: a KD-tree of the
 * points per zoom level, built once per map), and only the clusters and offices
 * in view are Leaflet layers: 100,000 offices cost a few hundred milliseconds,
 * where a layer per office (Leaflet.markercluster, before) cost seconds.
 */
(function (global) {
  "use strict";

  // The positions of the rows whose bit is set in `shown` (base64 of a little-endian bitmap); all without it.
  function shownPositions(count, shown) {
    var positions = [];
    var index;
    if (!shown) {
      for (index = 0; index < count; index++) { positions.push(index); }
      return positions;
    }
    var bits = atob(shown);
    for (index = 0; index < count; index++) {
      if ((bits.charCodeAt(index >> 3) & (1 << (index & 7))) !== 0) { positions.push(index); }
    }
    return positions;
  }

  // Parsed files, kept in the app's page (same origin) when the map is in its frame: a search
  // mounts a new frame, and the offices need not be fetched and parsed again. Only data is kept
  // there (no promise, no function: a removed frame's promises never settle).
  var CACHE_ENTRIES = 4;
  function sharedCache() {
    var holder = window;
    try {
      if (window.parent && window.parent !== window && window.parent.location.origin === window.location.origin) {
        holder = window.parent;
      }
    } catch (error) {
      holder = window;  // another origin: this frame's own cache
    }
    if (!holder.__partnerDirectoryMapFiles) { holder.__partnerDirectoryMapFiles = { order: [], files: {} }; }
    return holder.__partnerDirectoryMapFiles;
  }
  var pendingFiles = Object.create(null);
  // A file static/map/prefetch.js began to fetch before this code arrived (taken once), or null.
  function prefetched(url) {
    var fetched = global.partnerDirectoryPrefetched;
    if (!fetched || !fetched[url]) { return null; }
    var answer = fetched[url];
    delete fetched[url];
    return answer;
  }
  function loadFile(url) {
    var cache = sharedCache();
    if (Object.prototype.hasOwnProperty.call(cache.files, url)) { return Promise.resolve(cache.files[url]); }
    if (pendingFiles[url]) { return pendingFiles[url]; }
    // The file is named by its content, so any copy the browser holds is the right one:
    // no revalidation (Streamlit's static route answers a conditional request in full).
    pendingFiles[url] = (prefetched(url) || fetch(url, { credentials: "same-origin", cache: "force-cache" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      }))
      .then(function (data) {
        cache.files[url] = data;
        cache.order.push(url);
        while (cache.order.length > CACHE_ENTRIES) { delete cache.files[cache.order.shift()]; }
        return data;
      });
    pendingFiles[url].catch(function () { delete pendingFiles[url]; });
    return pendingFiles[url];
  }

  // supercluster, loaded once: present when inlined or already loaded, otherwise from `url`.
  var clusterCodeLoading = null;
  function clusterCode(url) {
    if (global.Supercluster) { return Promise.resolve(); }
    if (!clusterCodeLoading) {
      clusterCodeLoading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = url;
        script.onload = resolve;
        script.onerror = function () { clusterCodeLoading = null; reject(new Error("not loaded: " + url)); };
        document.head.appendChild(script);
      });
    }
    return clusterCodeLoading;
  }

  function offices(map, source, options) {
    // [texts, rows]: text values in rows are positions in "texts", where each text is stored once.
    var strings = null;
    var rows = null;  // every row of the file, with its texts; null until they are needed and loaded
    var latitudes = [];
    var longitudes = [];
    var rowFlags = [];
    var at = Object.create(null);
    options.fields.forEach(function (name, index) { at[name] = index; });
    function text(row, field) { return strings[row[at[field]]]; }
    var labels = options.labels;
    var flags = options.flags;
    var styles = options.styles;

    function precisionOf(index) { return rowFlags[index] & flags.precisionMask; }
    function isApproximate(index) { return precisionOf(index) !== 0; }
    // The partner whose offices stand out: given, or read from the app page's address
    // (options.selectionParameter), which the app keeps in step with the open card. Read
    // there, a card opening or closing leaves the map as it is -- zoom, position, spread
    // clusters -- and only restyles markers.
    var selected = options.selected;
    function isSelected(index) {
      return selected !== null && rows !== null && text(rows[index], "partner_id") === selected;
    }
    function selectionInPage() {
      try {
        return new URLSearchParams(window.parent.location.search).get(options.selectionParameter);
      } catch (error) {
        return selected;  // another origin: keep what was given
      }
    }
    if (options.selectionParameter) { selected = selectionInPage(); }

    function styleOf(index) {
      if (isSelected(index)) { return styles.selected; }
      return isApproximate(index) ? styles.approximate : styles.exact;
    }

    // The texts, loaded once and on first need; `then` runs when they are there.
    var waiting = [];
    var textsRequested = false;
    function withTexts(then) {
      if (rows !== null) { then(); return; }
      waiting.push(then);
      if (textsRequested || !source.texts) { return; }
      textsRequested = true;
      loadFile(source.texts).then(function (data) {
        strings = data[0];
        rows = data[1];
        var queued = waiting;
        waiting = [];
        queued.forEach(function (callback) { callback(); });
      }).catch(notLoaded);
    }

    function checkedUrl(candidate, protocols) {
      var url;
      try { url = new URL(candidate); } catch (error) { return null; }
      return protocols.indexOf(url.protocol) >= 0 ? url : null;
    }

    function websiteHref(row) {
      var value = text(row, "website");
      if (!value || !(row[at.flags] & flags.websiteLink)) { return null; }
      var url = checkedUrl(
        (row[at.flags] & flags.websiteAddScheme) ? "https://" + value : value,
        ["http:", "https:"]
      );
      return url && url.hostname ? url.href : null;
    }

    var EMAIL = /^[A-Za-z0-9._+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;
    function emailHref(row) {
      var value = text(row, "contact_email");
      if (!value || !(row[at.flags] & flags.emailLink) || !EMAIL.test(value)) { return null; }
      var url = checkedUrl("mailto:" + value, ["mailto:"]);
      return url ? url.href : null;
    }

    function addText(parent, tag, className, text) {
      var node = document.createElement(tag);
      if (className) { node.className = className; }
      node.textContent = text;
      parent.appendChild(node);
      return node;
    }

    function addField(parent, label, value, href, external) {
      if (!value) { return; }
      var line = addText(parent, "div", "pd-field", "");
      addText(line, "span", "pd-label", label + ": ");
      if (href) {
        var link = addText(line, "a", "", value);
        link.href = href;
        if (external) { link.target = "_blank"; link.rel = "noopener noreferrer"; }
      } else {
        addText(line, "span", "", value);
      }
    }

    function buildPopup(index) {
      var row = rows[index];
      var root = document.createElement("div");
      root.className = "pd-popup";
      addText(root, "div", "pd-partner", text(row, "partner_name") || text(row, "office_name"));
      if (text(row, "partner_name") && text(row, "office_name")) {
        addText(root, "div", "pd-office", text(row, "office_name"));
      }
      var place = [text(row, "city"), text(row, "country_name")].filter(Boolean).join(", ");
      if (place) { addText(root, "div", "pd-place", place); }
      if (isApproximate(index)) {
        var precision = precisionOf(index);
        addText(root, "div", "pd-approximate",
          precision === options.precision.city ? labels.approximateCity :
          precision === options.precision.country ? labels.approximateCountry :
          precision === options.precision.postal ? labels.approximatePostal :
          labels.approximate);
      }
      addField(root, labels.sectors, text(row, "sectors"));
      addField(root, labels.services, text(row, "services"));
      addField(root, labels.contact, text(row, "contact_name"));
      addField(root, labels.email, text(row, "contact_email"), emailHref(row), false);
      addField(root, labels.website, text(row, "website"), websiteHref(row), true);
      // Last, so the app can read the partner from streamlit-folium's popup text.
      if (text(row, "partner_id")) {
        addText(root, "div", "pd-id", labels.partnerId + ": " + text(row, "partner_id"));
      }
      return root;
    }

    // Leaflet focuses the map on mousedown (for its arrow keys). In an iframe
    // that is partly scrolled out of the window, a plain focus() scrolls the
    // app's page under the mouse before mouseup, and the click is lost.
    var container = map.getContainer();
    var focusWithScroll = container.focus;
    container.focus = function (focusOptions) {
      return focusWithScroll.call(this, Object.assign({ preventScroll: true }, focusOptions || {}));
    };

    // Cluster icons are buttons (Tab, Enter zooms in); name them "39 offices".
    var plural = null;
    try { plural = new Intl.PluralRules(options.language); } catch (error) { plural = null; }
    function officesName(count) {
      var forms = options.clusterLabels;
      var category = plural ? plural.select(count) : (count === 1 ? "one" : "other");
      var form = forms[category] || forms.other;
      return form.split("{count}").join(String(count));
    }
    function clusterIcon(count) {
      var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
      var inner = document.createElement("div");
      addText(inner, "span", "", String(count)).setAttribute("aria-hidden", "true");
      var icon = L.divIcon({
        html: inner,
        className: "marker-cluster marker-cluster-" + size,
        iconSize: new L.Point(40, 40)
      });
      var create = icon.createIcon;
      icon.createIcon = function (oldIcon) {
        var element = create.call(icon, oldIcon);
        element.setAttribute("aria-label", officesName(count));
        element.title = officesName(count);
        return element;
      };
      return icon;
    }

    // streamlit-folium listens for clicks on the layers that are on the map
    // when this script ends. Only "relay" is there then; the offices' layer
    // joins after it (once the offices are loaded). So a click on a cluster icon or a spider leg
    // is never reported, and an office click is reported only once its popup exists.
    var layer = L.featureGroup();
    // Where each office shown is, [latitude, longitude] (for tests and tools).
    layer.shownOffices = function () { return shown.map(function (row) { return [latitudes[row], longitudes[row]]; }); };
    var relay = L.featureGroup().addTo(map);
    var REPEAT_NUDGE_DEGREES = 1e-7;
    var lastClicked = null;
    var repeat = 0;

    function officeClicked(marker, event) {
      // As Leaflet's own popup click does: keep the click from reaching the
      // map, which would close the popup and fold a spread-out cluster.
      if (event.originalEvent) { L.DomEvent.stop(event); }
      // Report the office's own position, also when a cluster has been spread
      // out around it ("spiderfied"), so the app can find the office again.
      // streamlit-folium reports a click only when what it reports changed, and
      // the map stays mounted while cards open and close: the same office clicked
      // again (its card closed meanwhile) is reported a hair away (1e-7 degrees,
      // about a centimetre; the app matches within 1e-5), every other time.
      var index = marker.officeIndex;
      repeat = index === lastClicked ? 1 - repeat : 0;
      lastClicked = index;
      var latlng = L.latLng(latitudes[index] + repeat * REPEAT_NUDGE_DEGREES, longitudes[index]);
      withTexts(function () {
        if (!marker.getPopup()) {
          // Popups are built on first click.
          // The popup opens below the legend's bottom edge, so its x is never under the legend.
          marker.bindPopup(buildPopup(index), {
            maxWidth: 320,
            autoPanPaddingTopLeft: L.point(5, legendBottom() + 8)
          });
          marker.openPopup();
        }
        relay.fire("click", Object.assign({}, event, { latlng: latlng, layer: marker, sourceTarget: marker }));
      });
    }

    // A single office is an SVG circle, which Tab skips (cluster icons are
    // buttons): each circle on the map becomes a named button, and Enter or
    // Space does what a click does -- the popup and the partner's card.
    function officeName(index) {
      var row = rows[index];
      var place = [text(row, "city"), text(row, "country_name")].filter(Boolean).join(", ");
      var name = text(row, "partner_name") || text(row, "office_name") || "";
      return place ? name + ", " + place : name;
    }
    function makeFocusable(event) {
      var marker = event.target;
      var path = marker.getElement && marker.getElement();
      if (!path || path.getAttribute("tabindex") === "0") { return; }
      path.setAttribute("tabindex", "0");
      path.setAttribute("role", "button");
      path.setAttribute("focusable", "true");
      withTexts(function () { path.setAttribute("aria-label", officeName(marker.officeIndex)); });
      L.DomEvent.on(path, "keydown", function (keyEvent) {
        if (keyEvent.key !== "Enter" && keyEvent.key !== " ") { return; }
        L.DomEvent.preventDefault(keyEvent);
        var position = marker.getLatLng();
        officeClicked(marker, {
          latlng: position,
          containerPoint: map.latLngToContainerPoint(position),
          originalEvent: keyEvent
        });
      });
    }

    function officeMarker(index, position) {
      var marker = L.circleMarker(position || [latitudes[index], longitudes[index]], styleOf(index));
      marker.officeIndex = index;
      marker.on("add", makeFocusable);
      return marker;
    }

    var index = null;  // the clusters of the shown offices (supercluster)
    var drawn = Object.create(null);  // what is on the map, by key: "c<cluster id>" or "o<row>"
    var spread = null;  // a cluster spread out around its centre: {key, layers}
    var shownCount = 0;

    function clusterMarker(feature) {
      var count = feature.properties.point_count;
      var coordinates = feature.geometry.coordinates;
      var marker = L.marker([coordinates[1], coordinates[0]], { icon: clusterIcon(count), keyboard: true });
      marker.clusterId = feature.properties.cluster_id;
      marker.clusterKey = "c" + feature.properties.cluster_id;
      return marker;
    }

    // Only what is in view (and a margin) is a layer; moving the map swaps what leaves and enters it.
    function draw() {
      if (!index) { return; }
      var zoom = Math.round(map.getZoom());
      var bounds = map.getBounds().pad(0.3);
      var west = bounds.getWest();
      var east = bounds.getEast();
      var box = east - west >= 360 ? [-180, -90, 180, 90] : [west, Math.max(-90, bounds.getSouth()), east, Math.min(90, bounds.getNorth())];
      var features = index.getClusters(box, zoom);
      var wanted = Object.create(null);
      features.forEach(function (feature) {
        var key = feature.properties.cluster ? "c" + feature.properties.cluster_id : "o" + feature.properties.i;
        if (spread && key === spread.key) { wanted[key] = true; return; }  // spread out: its offices stand in for it
        wanted[key] = true;
        if (drawn[key]) { return; }
        var marker = feature.properties.cluster ? clusterMarker(feature) : officeMarker(feature.properties.i);
        drawn[key] = marker;
        layer.addLayer(marker);
      });
      Object.keys(drawn).forEach(function (key) {
        if (!wanted[key] || (spread && key === spread.key)) {
          layer.removeLayer(drawn[key]);
          delete drawn[key];
        }
      });
      if (spread && !wanted[spread.key]) { fold(); }
    }

    // Offices too close to be told apart at the deepest zoom: the cluster spreads them out on a
    // circle (a spiral when many), each with a leg to the true position, which a click reports.
    var SPREAD_CIRCLE_MAX = 8;
    var SEPARATION_PIXELS = 25;
    function spreadOut(marker) {
      fold();
      var leaves = index.getLeaves(marker.clusterId, Infinity);
      var centre = map.latLngToLayerPoint(marker.getLatLng());
      var multiplier = options.cluster.spiderfyDistanceMultiplier || 1;
      var count = leaves.length;
      var points = [];
      var step;
      var angle;
      var radius;
      if (count <= SPREAD_CIRCLE_MAX) {
        radius = multiplier * SEPARATION_PIXELS * (2 + count) / (2 * Math.PI);
        step = 2 * Math.PI / count;
        for (var n = 0; n < count; n++) {
          angle = n * step;  // the first to the right, level with the centre
          points.push(centre.add(L.point(Math.cos(angle) * radius, Math.sin(angle) * radius)));
        }
      } else {
        radius = multiplier * 11;
        angle = 0;
        for (var m = 0; m < count; m++) {
          angle += multiplier * 28 / radius + m * 0.0005;
          points.push(centre.add(L.point(Math.cos(angle) * radius, Math.sin(angle) * radius)));
          radius += multiplier * 5 * 2 * Math.PI / angle;
        }
      }
      var layers = [];
      leaves.forEach(function (leaf, position) {
        var at = map.layerPointToLatLng(points[position]);
        var leg = L.polyline([marker.getLatLng(), at], { color: "#222", weight: 1.5, opacity: 0.5, interactive: false });
        layers.push(leg);
        layers.push(officeMarker(leaf.properties.i, at));
      });
      spread = { key: marker.clusterKey, layers: layers };
      layer.removeLayer(marker);
      delete drawn[marker.clusterKey];
      layers.forEach(function (part) { layer.addLayer(part); });
    }
    function fold() {
      if (!spread) { return; }
      spread.layers.forEach(function (part) { layer.removeLayer(part); });
      spread = null;
    }

    layer.on("click", function (event) {
      var marker = event.layer;
      if (!marker) { return; }
      if (marker.officeIndex !== undefined) { officeClicked(marker, event); return; }
      if (marker.clusterId === undefined) { return; }
      L.DomEvent.stop(event);
      var zoom = index.getClusterExpansionZoom(marker.clusterId);
      if (zoom > clusterMaxZoom || zoom > map.getMaxZoom()) {
        spreadOut(marker);
      } else {
        map.setView(marker.getLatLng(), zoom);
      }
    });
    map.on("click zoomstart", function () { if (spread) { fold(); draw(); } });
    // The look of every office shown, drawn alone or inside a cluster (for tests and tools).
    layer.officeStyles = function () { return shown.map(styleOf); };
    map.on("moveend", draw);

    var legend = null;
    var POPUP_SETTLE_MS = 350;  // after Leaflet's own pan of a new popup into view
    var shown = [];
    var clusterMaxZoom = 0;
    var following = null;
    var shows = 0;
    // The clusters of the last few rows shown, by their bitmap ("" for all): "Clear all" after a search,
    // or a search made again, shows its clusters without building them again (at 100,000 offices all
    // of them take a loaded machine several hundred milliseconds).
    var INDEXES_KEPT = 3;
    var indexes = [];  // [bitmap, index], the last used last
    function clustersOf(positions, bitmap) {
      for (var kept = 0; kept < indexes.length; kept++) {
        if (indexes[kept][0] === bitmap) {
          var entry = indexes.splice(kept, 1)[0];
          indexes.push(entry);
          return entry[1];
        }
      }
      var features = new Array(positions.length);
      for (var n = 0; n < positions.length; n++) {
        var row = positions[n];
        features[n] = {
          type: "Feature",
          properties: { i: row },
          geometry: { type: "Point", coordinates: [longitudes[row], latitudes[row]] }
        };
      }
      var built = new global.Supercluster({
        radius: options.cluster.maxClusterRadius,
        extent: 256,  // the radius in screen pixels of Leaflet's 256-pixel tiles
        maxZoom: clusterMaxZoom
      }).load(features);
      indexes.push([bitmap, built]);
      if (indexes.length > INDEXES_KEPT) { indexes.shift(); }
      return built;
    }

    // Shows `positions` (rows of the points; `bitmap` says which, as `source.shown`), in place of what
    // was shown: a search redraws the mounted map.
    function show(positions, bitmap) {
      fold();
      layer.clearLayers();
      drawn = Object.create(null);
      // Off the map until the next task: streamlit-folium binds its click handler to every layer on
      // the map right after a search's update runs, and clusters and offices must not report clicks.
      if (map.hasLayer(layer)) { map.removeLayer(layer); }
      shown = positions;
      shownCount = positions.length;
      // Clusters down to the deepest zoom: offices closer than a cluster's radius there spread out on a click.
      clusterMaxZoom = Math.max(0, Math.round(map.getMaxZoom()) || 18);
      index = clustersOf(positions, bitmap || "");
      var drawing = ++shows;
      window.setTimeout(function () {
        if (drawing !== shows) { return; }  // a later search came first
        layer.addTo(map);
        draw();
        // How many times offices were shown, and how many: for tools that wait for a search's map.
        container.setAttribute("data-pd-shows", String(drawing));
        container.setAttribute("data-pd-shown", String(shownCount));
        officesSettled();
      }, 0);
      if (legend) { legend.remove(); legend = null; }
      if (shownCount) { addLegend(false); }
      if (selected !== null && shownCount) { withTexts(restyle); }
      if (options.selectionParameter && following === null) {
        following = window.setInterval(followSelection, 250);
      }
    }

    // The rows to show, as `source.shown`: kept until the points are there.
    var pointsLoaded = false;
    var wantedShown = source.shown;
    function showRows(bitmap) {
      wantedShown = bitmap;
      if (pointsLoaded) { show(shownPositions(latitudes.length, bitmap), bitmap); }
    }
    map.partnerDirectoryOffices = { showRows: showRows };

    // What waits for the offices' first drawing (or their failure): the country outlines.
    var afterOffices = [];
    var officesDone = false;
    map.partnerDirectoryAfterOffices = function (then) {
      if (officesDone) { then(); } else { afterOffices.push(then); }
    };
    function officesSettled() {
      if (officesDone) { return; }
      officesDone = true;
      afterOffices.splice(0).forEach(function (then) { window.setTimeout(then, 0); });
    }

    // Should the popup's x still be under the legend (a legend that grew a line when the card
    // opened, a short map), the map moves down until the x is clear of it.
    function clearOfLegend() {
      var box = legend && legend.getContainer();
      var popup = document.querySelector(".leaflet-popup");
      var close = popup && popup.querySelector(".leaflet-popup-close-button");
      if (!box || !close) { return; }
      var a = box.getBoundingClientRect();
      var b = close.getBoundingClientRect();
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
        map.panBy([0, -(a.bottom - b.top + 8)]);
      }
    }
    map.on("popupopen", function () { window.setTimeout(clearOfLegend, POPUP_SETTLE_MS); });

    function legendBottom() {
      var box = legend && legend.getContainer();
      return box ? box.offsetTop + box.offsetHeight : 0;
    }

    // Every office drawn takes its style again, and the legend says whether the selected partner is shown.
    function restyle() {
      var any = false;
      for (var n = 0; n < shown.length && selected !== null; n++) {
        if (isSelected(shown[n])) { any = true; break; }
      }
      layer.eachLayer(function (marker) {
        if (marker.officeIndex === undefined) { return; }
        marker.setStyle(styleOf(marker.officeIndex));
        if (isSelected(marker.officeIndex)) { marker.bringToFront(); }
      });
      if (legend) { legend.remove(); legend = null; }
      if (shownCount) { addLegend(any); }
      clearOfLegend();
    }

    function followSelection() {
      var now = selectionInPage();
      if (now === selected) { return; }
      selected = now;
      if (!now) { map.closePopup(); }  // the card closed: its popup closes with it
      withTexts(restyle);
    }

    function addLegend(withSelected) {
      legend = L.control({ position: "topright" });
      legend.onAdd = function () {
        var box = L.DomUtil.create("div", "pd-legend");
        box.setAttribute("role", "group");
        box.setAttribute("aria-label", labels.legend);
        var entries = [[styles.exact, labels.legendExact], [styles.approximate, labels.legendApproximate]];
        if (withSelected) { entries.push([styles.selected, labels.legendSelected]); }
        entries.forEach(function (entry) {
          var style = entry[0];
          var line = addText(box, "div", "", "");
          var swatch = addText(line, "span", "pd-swatch", "");
          swatch.style.borderColor = style.color;
          swatch.style.borderStyle = style.dashArray ? "dashed" : "solid";
          swatch.style.backgroundColor = style.fillColor;
          addText(line, "span", "", entry[1]);
        });
        return box;
      };
      legend.addTo(map);
    }

    // Said on the map, in words: the markers are missing, not the offices.
    var noticeShown = false;
    function notLoaded(error) {
      console.warn("Offices not loaded:", error);
      officesSettled();
      if (noticeShown) { return; }
      noticeShown = true;
      var notice = L.control({ position: "bottomleft" });
      notice.onAdd = function () {
        var box = L.DomUtil.create("div", "pd-notice");
        box.setAttribute("role", "alert");
        box.textContent = labels.notLoaded;
        return box;
      };
      notice.addTo(map);
    }

    if (source.url) {
      // The offices' points and the clustering code arrive side by side (a script loaded by the
      // map's page itself would come only after the one before it).
      Promise.all([loadFile(source.url), clusterCode(options.superclusterUrl)])
        .then(function (loaded) {
          var points = loaded[0];
          latitudes = points[0];
          longitudes = points[1];
          rowFlags = points[2];
          pointsLoaded = true;
          show(shownPositions(latitudes.length, wantedShown), wantedShown);
        })
        .catch(notLoaded);
    } else {
      var data = JSON.parse(document.getElementById(source.id).textContent);
      strings = data[0];
      rows = data[1];
      latitudes = rows.map(function (row) { return row[at.latitude]; });
      longitudes = rows.map(function (row) { return row[at.longitude]; });
      rowFlags = rows.map(function (row) { return row[at.flags]; });
      clusterCode(options.superclusterUrl)
        .then(function () {
          pointsLoaded = true;
          show(shownPositions(rows.length, wantedShown), wantedShown);
        })
        .catch(notLoaded);
    }
    return layer;
  }

  function outlines(map, options) {
    // Below the tile pane (z-index 200): tiles cover the outlines when they
    // load, and the outlines show the world when no tile server answers.
    var pane = map.createPane("pd-outlines");
    pane.style.zIndex = "150";
    pane.style.pointerEvents = "none";
    // Each country is a layer of its own, and only those near the view are on the map: Leaflet
    // projects every point of every shape on the map at each zoom, synchronously, and the 1:50m
    // shapes of the whole world cost a search that zooms to a city tens of milliseconds.
    function layerOf(geojson) {
      var group = L.geoJSON(geojson, {
        pane: "pd-outlines",
        interactive: false,
        style: function () { return options.style; }
      });
      group.pdParts = group.getLayers().map(function (part) { return [part, part.getBounds()]; });
      group.clearLayers();
      return group;
    }
    function near(shape, view) {  // or near one of the world's copies either side (shapes continue past 180°)
      for (var shift = -360; shift <= 360; shift += 360) {
        var moved = L.latLngBounds([view.getSouth(), view.getWest() + shift], [view.getNorth(), view.getEast() + shift]);
        if (moved.intersects(shape)) { return true; }
      }
      return false;
    }
    function keepNear(group, view) {
      group.pdKept = view;
      group.pdParts.forEach(function (entry) {
        var wanted = near(entry[1], view);
        if (wanted && !group.hasLayer(entry[0])) { group.addLayer(entry[0]); }
        if (!wanted && group.hasLayer(entry[0])) { group.removeLayer(entry[0]); }
      });
    }
    function load(url) {
      return prefetched(url) || fetch(url).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
    }
    var coarse = null;
    var fine = null;
    var fineRequested = false;
    var VIEW_MARGIN = 0.5;  // of the view's size, on each side: a pan shows no missing coast
    // Zoomed in, the 1:50m outlines replace the 1:110m ones (fetched once, on first need).
    // `view`, `zoom`: where the map is about to go (a search), else where it is.
    function update(view, zoom) {
      view = view || map.getBounds().pad(VIEW_MARGIN);
      zoom = zoom === undefined ? map.getZoom() : zoom;
      var zoomedIn = Boolean(options.fineUrl) && zoom >= options.fineMinZoom;
      if (zoomedIn && !fineRequested) {
        fineRequested = true;
        load(options.fineUrl)
          .then(function (geojson) { fine = layerOf(geojson); update(); })
          .catch(function (error) { console.warn("Fine country outlines not loaded:", error); });
      }
      var showFine = zoomedIn && fine !== null;
      if (fine) {
        if (showFine) { keepNear(fine, view); }
        if (showFine && !map.hasLayer(fine)) { fine.addTo(map); }
        if (!showFine && map.hasLayer(fine)) { map.removeLayer(fine); }
      }
      if (coarse) {
        if (showFine && map.hasLayer(coarse)) { map.removeLayer(coarse); }
        if (!showFine) { keepNear(coarse, view); }
        if (!showFine && !map.hasLayer(coarse)) { coarse.addTo(map); }
      }
      // Which outlines the map shows, for a look from outside (the tests, the benchmark).
      if (showFine || coarse) { pane.setAttribute("data-pd-outlines", showFine ? "fine" : "coarse"); }
    }
    // A search is about to move the map (`search` below): only the shapes near where it goes stay.
    map.partnerDirectoryOutlines = {
      before: function (bounds, zoom) { update(L.latLngBounds(bounds).pad(VIEW_MARGIN), zoom); }
    };
    // Drawn once the offices are (177 shapes take a loaded machine tens of milliseconds, which the
    // offices' first clusters need not wait for; tiles cover the outlines anyway when they load).
    function drawCoarse(geojson) {
      var draw = function () { coarse = layerOf(geojson); update(); };
      if (map.partnerDirectoryAfterOffices) { map.partnerDirectoryAfterOffices(draw); } else { draw(); }
    }
    map.on("zoomend", function () { update(); });
    // A pan past the shapes kept (not a popup's small pan into view): those near the new view.
    map.on("moveend", function () {
      var shown = [coarse, fine].filter(function (group) { return group && map.hasLayer(group); })[0];
      if (shown && shown.pdKept && !shown.pdKept.contains(map.getBounds())) { update(); }
    });
    if (options.geojson) {
      drawCoarse(options.geojson);
    } else {
      load(options.url)
        .then(drawCoarse)
        .catch(function (error) { console.warn("Country outlines not loaded:", error); });
    }
    // The map's view is set after this script; check once it is.
    map.whenReady(function () { window.setTimeout(function () { update(); }, 0); });
  }

  function labels(map, labels, options) {
    // Under the tiles like the outlines (which lie at 150): tiles, when they
    // load, bring their own names; without tiles these say where the map is.
    var pane = map.createPane("pd-labels");
    pane.style.zIndex = "160";
    pane.style.pointerEvents = "none";
    pane.setAttribute("aria-hidden", "true");
    function markersOf(rows) {
      return rows.map(function (label) {
        var text = document.createElement("span");
        text.textContent = label[2];
        var marker = L.marker([label[0], label[1]], {
          icon: L.divIcon({ className: "pd-city-label", html: text, iconSize: null }),
          pane: "pd-labels",
          interactive: false,
          keyboard: false
        });
        marker.minZoom = Math.max(label[3], options.minZoom);
        return marker;
      });
    }
    var markers = markersOf(labels);
    // A search names the places near the offices it found, in place of these. Called before the
    // search moves the map: the old names are not placed and measured at the new view.
    map.partnerDirectoryLabels = {
      replace: function (rows) {
        markers.forEach(function (marker) { if (map.hasLayer(marker)) { map.removeLayer(marker); } });
        markers = markersOf(rows);
        later();
      }
    };
    // Labels never overlap: the rows come largest city first, and a label whose box would touch
    // one already kept is left out at this view (Brandenburg must not cover Potsdam, nor a suburb
    // Warszawa). Each box is computed, not read from the page: the label's point at the view the
    // map has now, and its text's size as laid out now (layout sizes ignore the zoom animation's
    // scaling, which a bounding box read mid-animation does not; measured at every update, since
    // the style sheet and fonts may arrive after the first).
    var GAP = 3;
    var DOT_OFFSET_PIXELS = 4;  // offices.css: the span is moved 4 px left (its dot on the point) and up by half
    function overlaps(a, b) {
      return a.left < b.right + GAP && b.left < a.right + GAP && a.top < b.bottom + GAP && b.top < a.bottom + GAP;
    }
    function boxOf(marker) {
      var element = marker.getElement();
      var text = element && element.firstChild;
      if (!text || !text.offsetWidth) { return null; }  // not laid out (a hidden frame): the next update
      var point = map.latLngToContainerPoint(marker.getLatLng());
      // Where the text lies in its marker, before offices.css moves it (layout offsets ignore transforms).
      var left = point.x + text.offsetLeft - DOT_OFFSET_PIXELS;
      var top = point.y + text.offsetTop - text.offsetHeight / 2;
      return { left: left, top: top, right: left + text.offsetWidth, bottom: top + text.offsetHeight };
    }
    function update() {
      var zoom = map.getZoom();
      // Writes, then reads, then writes: the page is laid out once, not once per label.
      var candidates = markers.filter(function (marker) {
        var wanted = zoom >= marker.minZoom;
        if (wanted && !map.hasLayer(marker)) { marker.addTo(map); }
        if (!wanted && map.hasLayer(marker)) { map.removeLayer(marker); }
        return wanted;
      });
      var boxes = candidates.map(boxOf);
      var kept = [];
      candidates.forEach(function (marker, position) {
        var box = boxes[position];
        if (box !== null && !kept.some(function (other) { return overlaps(box, other); })) {
          kept.push(box);
        } else {
          map.removeLayer(marker);  // one that cannot be measured yet waits for the next view
        }
      });
    }
    // Once after the view changes (a zoom, the first fit to the offices, a resize), not only a zoom:
    // in a task of its own, since one change fires several of these events, and the offices of a
    // search are drawn first (their drawing is already waiting, static/map/offices.js `show`).
    var updating = false;
    function later() {
      if (updating) { return; }
      updating = true;
      window.setTimeout(function () { updating = false; update(); }, 0);
    }
    map.on("zoomend moveend resize viewreset", later);
    map.whenReady(function () { window.setTimeout(update, 0); });
    // The page sizes the map's frame after this script has run: again once it has a size.
    if (window.ResizeObserver) { new window.ResizeObserver(update).observe(map.getContainer()); }
    window.addEventListener("load", update);
    // streamlit-folium adds the style sheets only just before this script runs: the labels' size
    // (offices.css) may change once they arrive, and again once the fonts are ready.
    Array.prototype.forEach.call(document.querySelectorAll("link[rel='stylesheet']"), function (link) {
      link.addEventListener("load", update);
    });
    if (document.fonts && document.fonts.ready) { document.fonts.ready.then(update); }
  }

  // A search on the mounted map: the rows found (`change.shown`, a bitmap as `source.shown`),
  // the view (fitted to `change.bounds`, or the world), the places near them named.
  function search(map, change, places, placeOptions) {
    var shownOffices = map.partnerDirectoryOffices;
    if (shownOffices) { shownOffices.showRows(change.shown); }
    // A zoom still animating (the member's wheel) would end at its own target after this view:
    // it ends now (Leaflet 1.9, vendored; its end is what the animation's transitionend calls).
    if (map._animatingZoom && map._onZoomTransitionEnd) { map._onZoomTransitionEnd(); }
    var named = map.partnerDirectoryLabels;
    if (named) { named.replace(places); }  // before the view moves: the old names are not placed there
    if (map.partnerDirectoryOutlines && change.bounds) {
      // The zoom fitBounds will choose (Leaflet 1.9: padding on both sides, then the maximum).
      var target = L.latLngBounds(change.bounds);
      var padding = L.point(change.padding).multiplyBy(2);
      map.partnerDirectoryOutlines.before(target, Math.min(change.maxZoom, map.getBoundsZoom(target, false, padding)));
    }
    if (change.bounds) {
      map.fitBounds(change.bounds, { padding: change.padding, maxZoom: change.maxZoom, animate: false });
    } else {
      map.setView(change.center, change.zoom, { animate: false });
    }
    if (!named && places.length) { labels(map, places, placeOptions); }
  }

  global.partnerDirectoryMap = { offices: offices, outlines: outlines, labels: labels, search: search };
})(window);
