// jobtab's dashboard script: the page works without it; with it, times are shown in the
// viewer's zone, distances and elapsed times stay current, the page refreshes itself while
// open (polling the same page), and the buttons post to the API without leaving the page.
(function () {
  "use strict";
  var live = document.getElementById("live");
  var notice = document.getElementById("notice");
  if (!live) return;

  function span(seconds) {
    var s = Math.floor(Math.abs(seconds)), d = Math.floor(s / 86400);
    if (s < 60) return s + "s";
    if (s < 3600) return Math.floor(s / 60) + "m";
    if (s < 86400) return Math.floor(s / 3600) + "h";
    if (d < 60) return d + "d";
    if (d < 730) return Math.floor(d / 30) + "mo";
    return Math.floor(d / 365) + "y";
  }
  function relative(at) {
    var seconds = Math.round((at.getTime() - Date.now()) / 1000);
    if (seconds <= 0 && seconds > -10) return "just now";
    if (seconds === 0) return "now";
    return seconds > 0 ? "in " + span(seconds) : span(seconds) + " ago";
  }
  function duration(ms) {
    var s = Math.max(0, Math.floor(ms / 1000)), h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60);
    return (h ? h + "h" : "") + (m ? m + "m" : "") + ((s % 60 || (!h && !m)) ? (s % 60) + "s" : "");
  }
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  var format = null;
  try {
    format = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric",
      hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short" });
  } catch (e) { format = null; }

  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var at = new Date(el.getAttribute("datetime"));
      if (isNaN(at.getTime())) return;
      el.textContent = format ? format.format(at) : at.toString();
      el.title = el.getAttribute("datetime") + (zone ? " (shown in " + zone + ")" : "");
    });
    tick(root);
  }
  function tick(root) {
    root.querySelectorAll(".rel[data-at]").forEach(function (el) {
      var at = new Date(el.getAttribute("data-at"));
      if (!isNaN(at.getTime())) el.textContent = "(" + relative(at) + ")";
    });
    root.querySelectorAll(".elapsed[data-since]").forEach(function (el) {
      var since = new Date(el.getAttribute("data-since"));
      if (!isNaN(since.getTime())) el.textContent = duration(Date.now() - since.getTime());
    });
  }

  var busy = false;
  function refresh() {
    if (busy) return;
    busy = true;
    fetch(location.href, { credentials: "same-origin", cache: "no-store",
      headers: { "X-Jobtab-Refresh": "1" } })
      .then(function (response) {
        if (response.status === 401) { location.reload(); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (text) {
        if (!text) return;
        var doc = new DOMParser().parseFromString(text, "text/html");
        var fresh = doc.getElementById("live");
        if (!fresh) return;
        live.innerHTML = fresh.innerHTML;
        localTimes(live);
        document.body.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ })
      .then(function () { busy = false; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var api = form.getAttribute("data-api");
    if (!api || !window.fetch) return;
    event.preventDefault();
    var button = form.querySelector("button");
    if (button) button.setAttribute("aria-busy", "true");
    fetch(api, { method: "POST", credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.status === 401) { location.reload(); return; }
          notice.textContent = response.ok
            ? (body.run_id ? "Run " + body.run_id.slice(0, 8) + " of " + body.job + ": " + body.status
              : body.job + ": " + (body.enabled ? "enabled" : "disabled"))
            : "Refused: " + (body.error || response.status);
        });
      })
      .catch(function (error) { notice.textContent = "Failed: " + error; })
      .then(function () { refresh(); });
  });

  localTimes(document);
  setInterval(function () { tick(live); }, 1000);
  // Big pages (thousands of jobs) are fetched less often.
  function poll() {
    if (!document.hidden) refresh();
    setTimeout(poll, live.innerHTML.length > 300000 ? 5000 : 1500);
  }
  setTimeout(poll, 1500);
})();
