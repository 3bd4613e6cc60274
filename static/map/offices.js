/*
 * The partner directory's map code: office markers in clusters, country
 * outlines and place names under the tiles.
 *
 * Served once by the app at /app/static/map/offices.js and cached by the
 * browser; inlined only in the standalone map page (`map` command). It holds
 * no data: the offices and their texts are read from a JSON element of the
 * map's page (`source.id`) or fetched from a file with every published office
 * (`source.url`, cached by the browser), of which `source.shown` says which
 * rows to show. Options arrive as an argument; both are built on the server
 * by partner_directory/maps/ (rows.py, elements.py, office_file.py). Every text from the data is
 * set with textContent, never as HTML.
 */
(function (global) {
  "use strict";

  // The rows whose bit is set in `shown` (base64 of a little-endian bitmap); all rows without it.
  function shownRows(rows, shown) {
    if (!shown) { return rows; }
    var bits = atob(shown);
    return rows.filter(function (row, index) {
      return (bits.charCodeAt(index >> 3) & (1 << (index & 7))) !== 0;
    });
  }

  function offices(map, source, options) {
    // [strings, rows]: text values in rows are positions in "strings", where each text is stored once.
    var strings = [];
    var at = Object.create(null);
    options.fields.forEach(function (name, index) { at[name] = index; });
    function text(row, field) { return strings[row[at[field]]]; }
    var labels = options.labels;
    var flags = options.flags;
    var styles = options.styles;

    function precisionOf(row) { return row[at.flags] & flags.precisionMask; }
    function isApproximate(row) { return precisionOf(row) !== 0; }
    // The partner whose offices stand out: given, or read from the app page's address
    // (options.selectionParameter), which the app keeps in step with the open card. Read
    // there, a card opening or closing leaves the map as it is -- zoom, position, spread
    // clusters -- and only restyles markers.
    var selected = options.selected;
    function isSelected(row) { return selected !== null && text(row, "partner_id") === selected; }
    function selectionInPage() {
      try {
        return new URLSearchParams(window.parent.location.search).get(options.selectionParameter);
      } catch (error) {
        return selected;  // another origin: keep what was given
      }
    }
    if (options.selectionParameter) { selected = selectionInPage(); }

    function styleOf(row) {
      if (isSelected(row)) { return styles.selected; }
      return isApproximate(row) ? styles.approximate : styles.exact;
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

    function buildPopup(row) {
      var root = document.createElement("div");
      root.className = "pd-popup";
      addText(root, "div", "pd-partner", text(row, "partner_name") || text(row, "office_name"));
      if (text(row, "partner_name") && text(row, "office_name")) {
        addText(root, "div", "pd-office", text(row, "office_name"));
      }
      var place = [text(row, "city"), text(row, "country_name")].filter(Boolean).join(", ");
      if (place) { addText(root, "div", "pd-place", place); }
      if (isApproximate(row)) {
        var precision = precisionOf(row);
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
    var NamedClusterIcon = L.DivIcon.extend({
      createIcon: function (oldIcon) {
        var icon = L.DivIcon.prototype.createIcon.call(this, oldIcon);
        icon.setAttribute("aria-label", this.options.name);
        icon.title = this.options.name;
        return icon;
      }
    });
    var clusterOptions = Object.assign({}, options.cluster, {
      iconCreateFunction: function (cluster) {
        var count = cluster.getChildCount();
        var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
        var inner = document.createElement("div");
        addText(inner, "span", "", String(count)).setAttribute("aria-hidden", "true");
        return new NamedClusterIcon({
          html: inner,
          className: "marker-cluster marker-cluster-" + size,
          iconSize: new L.Point(40, 40),
          name: officesName(count)
        });
      }
    });
    var group = L.markerClusterGroup(clusterOptions);
    // streamlit-folium listens for clicks on the layers that are on the map
    // when this script ends. Only "relay" is there then; the cluster group
    // joins after it (and after the offices' file arrives, when they are in one). So a click on a cluster icon or a spider leg is never
    // reported, and an office click is reported only once its popup exists.
    var relay = L.featureGroup().addTo(map);
    var REPEAT_NUDGE_DEGREES = 1e-7;
    var lastClicked = null;
    var repeat = 0;

    group.on("click", function (event) {
      var marker = event.layer;
      if (!marker || !marker.officeRow) { return; }
      // Report the office's own position, also when a cluster has been spread
      // out around it ("spiderfied"), so the app can find the office again.
      // streamlit-folium reports a click only when what it reports changed, and
      // the map stays mounted while cards open and close: the same office clicked
      // again (its card closed meanwhile) is reported a hair away (1e-7 degrees,
      // about a centimetre; the app matches within 1e-5), every other time.
      var position = marker._preSpiderfyLatlng || marker.getLatLng();
      repeat = marker === lastClicked ? 1 - repeat : 0;
      lastClicked = marker;
      event.latlng = L.latLng(position.lat + repeat * REPEAT_NUDGE_DEGREES, position.lng);
      if (!marker.getPopup()) {
        // Popups are built on first click: 10,000 eager popups cost seconds.
        // The popup opens below the legend's bottom edge, so its × is never under the legend.
        marker.bindPopup(buildPopup(marker.officeRow), {
          maxWidth: 320,
          autoPanPaddingTopLeft: L.point(5, legendBottom() + 8)
        });
        marker.openPopup();
      }
      // As Leaflet's own popup click does: keep the click from reaching the
      // map, which would close the popup and fold a spread-out cluster.
      L.DomEvent.stop(event);
      relay.fire("click", event);
    });

    // A single office is an SVG circle, which Tab skips (only cluster icons are
    // buttons): each circle on the map becomes a named button, and Enter or
    // Space does what a click does -- the popup and the partner's card.
    function officeName(row) {
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
      path.setAttribute("aria-label", officeName(marker.officeRow));
      path.setAttribute("focusable", "true");
      L.DomEvent.on(path, "keydown", function (keyEvent) {
        if (keyEvent.key !== "Enter" && keyEvent.key !== " ") { return; }
        L.DomEvent.preventDefault(keyEvent);
        var position = marker.getLatLng();
        group.fire("click", {
          layer: marker,
          latlng: position,
          containerPoint: map.latLngToContainerPoint(position),
          originalEvent: keyEvent
        });
      });
    }

    var markers = [];
    var legend = null;
    var POPUP_SETTLE_MS = 350;  // after Leaflet's own pan of a new popup into view
    function show(rows) {
      markers = new Array(rows.length);
      for (var index = 0; index < rows.length; index++) {
        var row = rows[index];
        var marker = L.circleMarker([row[at.latitude], row[at.longitude]], styleOf(row));
        marker.officeRow = row;
        marker.on("add", makeFocusable);
        markers[index] = marker;
      }
      window.setTimeout(function () {
        group.addLayers(markers);
        group.addTo(map);
      }, 0);
      if (rows.length) { addLegend(rows.some(isSelected)); }
      if (options.selectionParameter) { window.setInterval(followSelection, 250); }
    }

    // Should the popup's × still be under the legend (a legend that grew a line when the card
    // opened, a short map), the map moves down until the × is clear of it.
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

    function followSelection() {
      var now = selectionInPage();
      if (now === selected) { return; }
      selected = now;
      if (!now) { map.closePopup(); }  // the card closed: its popup closes with it
      var any = false;
      markers.forEach(function (marker) {
        marker.setStyle(styleOf(marker.officeRow));
        if (isSelected(marker.officeRow)) { any = true; marker.bringToFront(); }
      });
      if (legend) { legend.remove(); }
      addLegend(any);
      clearOfLegend();
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
    function notLoaded(error) {
      console.warn("Offices not loaded:", error);
      var notice = L.control({ position: "bottomleft" });
      notice.onAdd = function () {
        var box = L.DomUtil.create("div", "pd-notice");
        box.setAttribute("role", "alert");
        box.textContent = labels.notLoaded;
        return box;
      };
      notice.addTo(map);
    }

    function load(data, shown) {
      strings = data[0];
      show(shownRows(data[1], shown));
    }

    if (source.url) {
      // The file is named by its content, so any copy the browser holds is the right one:
      // no revalidation (Streamlit's static route answers a conditional request in full).
      fetch(source.url, { credentials: "same-origin", cache: "force-cache" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) { load(data, source.shown); })
        .catch(notLoaded);
    } else {
      load(JSON.parse(document.getElementById(source.id).textContent), null);
    }
    return group;
  }

  function outlines(map, options) {
    // Below the tile pane (z-index 200): tiles cover the outlines when they
    // load, and the outlines show the world when no tile server answers.
    var pane = map.createPane("pd-outlines");
    pane.style.zIndex = "150";
    pane.style.pointerEvents = "none";
    function layerOf(geojson) {
      return L.geoJSON(geojson, {
        pane: "pd-outlines",
        interactive: false,
        style: function () { return options.style; }
      });
    }
    function load(url) {
      return fetch(url).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
    }
    var coarse = null;
    var fine = null;
    var fineRequested = false;
    // Zoomed in, the 1:50m outlines replace the 1:110m ones (fetched once, on first need).
    function update() {
      var zoomedIn = Boolean(options.fineUrl) && map.getZoom() >= options.fineMinZoom;
      if (zoomedIn && !fineRequested) {
        fineRequested = true;
        load(options.fineUrl)
          .then(function (geojson) { fine = layerOf(geojson); update(); })
          .catch(function (error) { console.warn("Fine country outlines not loaded:", error); });
      }
      var showFine = zoomedIn && fine !== null;
      if (fine) {
        if (showFine && !map.hasLayer(fine)) { fine.addTo(map); }
        if (!showFine && map.hasLayer(fine)) { map.removeLayer(fine); }
      }
      if (coarse) {
        if (showFine && map.hasLayer(coarse)) { map.removeLayer(coarse); }
        if (!showFine && !map.hasLayer(coarse)) { coarse.addTo(map); }
      }
    }
    function drawCoarse(geojson) { coarse = layerOf(geojson); update(); }
    map.on("zoomend", update);
    if (options.geojson) {
      drawCoarse(options.geojson);
    } else {
      load(options.url)
        .then(drawCoarse)
        .catch(function (error) { console.warn("Country outlines not loaded:", error); });
    }
    // The map's view is set after this script; check once it is.
    map.whenReady(function () { window.setTimeout(update, 0); });
  }

  function labels(map, labels, options) {
    // Under the tiles like the outlines (which lie at 150): tiles, when they
    // load, bring their own names; without tiles these say where the map is.
    var pane = map.createPane("pd-labels");
    pane.style.zIndex = "160";
    pane.style.pointerEvents = "none";
    pane.setAttribute("aria-hidden", "true");
    var markers = labels.map(function (label) {
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
    // Labels never overlap: the rows come largest city first, and a label that would touch one
    // already shown is left out at this zoom (Brandenburg must not cover Potsdam, nor a suburb Warszawa).
    var GAP = 3;
    function overlaps(a, b) {
      return a.left < b.right + GAP && b.left < a.right + GAP && a.top < b.bottom + GAP && b.top < a.bottom + GAP;
    }
    function update() {
      var zoom = map.getZoom();
      var shown = [];
      markers.forEach(function (marker) {
        var show = zoom >= marker.minZoom;
        if (show && !map.hasLayer(marker)) { marker.addTo(map); }
        if (!show && map.hasLayer(marker)) { map.removeLayer(marker); }
        if (!show) { return; }
        var element = marker.getElement();
        var text = element && element.firstChild;
        if (!text || !text.getBoundingClientRect) { return; }
        var box = text.getBoundingClientRect();
        if (shown.some(function (other) { return overlaps(box, other); })) {
          map.removeLayer(marker);
        } else {
          shown.push(box);
        }
      });
    }
    // After every view change (a zoom, the first fit to the offices, a resize), not only a zoom:
    // boxes measured before the map has its size all overlap.
    // Measured a moment after the view settles (Leaflet places the markers after its own events).
    var pending = null;
    function schedule() {
      if (pending) { window.clearTimeout(pending); }
      pending = window.setTimeout(function () { pending = null; update(); }, 60);
    }
    map.on("moveend zoomend resize viewreset", schedule);
    map.whenReady(schedule);
    // The page sizes the map's frame after this script has run: measure again once it has a size.
    if (window.ResizeObserver) { new window.ResizeObserver(schedule).observe(map.getContainer()); }
    window.addEventListener("load", schedule);
  }

  global.partnerDirectoryMap = { offices: offices, outlines: outlines, labels: labels };
})(window);
