/*
 * Starts fetching the files the map's first view needs -- the offices' points, the
 * country outlines -- before the map's code has arrived.
 *
 * streamlit-folium loads a map's scripts one after the other; this one comes first and
 * is small. The files are named in its own address (`?file=...`, as
 * partner_directory/maps/assets.py `prefetch_url` writes it); only files of this
 * page's own origin are fetched. static/map/offices.js takes each answer from
 * `window.partnerDirectoryPrefetched` instead of asking again.
 */
(function (global) {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) { return; }
  var fetched = global.partnerDirectoryPrefetched || (global.partnerDirectoryPrefetched = Object.create(null));
  new URL(script.src).searchParams.getAll("file").forEach(function (file) {
    var url;
    try { url = new URL(file, global.location.href); } catch (error) { return; }
    if (url.origin !== global.location.origin || fetched[file]) { return; }
    // As offices.js fetches a file named by its content: any copy the browser holds is the right one.
    fetched[file] = fetch(url.href, { credentials: "same-origin", cache: "force-cache" }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    });
    fetched[file].catch(function () { delete fetched[file]; });  // offices.js asks again, and says so if it fails
  });
})(window);
