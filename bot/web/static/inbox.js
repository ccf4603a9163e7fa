/* Consultant inbox: times in the consultant's own time zone, and the live badge.
 *
 * Times: the server writes every time as <time datetime="ISO">YYYY-MM-DD HH:MM UTC</time>;
 * this rewrites each in the browser's time zone (the consultant's, as their computer is
 * set), keeps the UTC time as a tooltip, and names the zone in the header.
 *
 * Live: on the ticket list, every 15 seconds it asks GET /api/tickets/summary?since=ID
 * (the newest ticket the page showed) and shows "N new tickets (M urgent)" with a link to
 * reload; with "Sound for new tickets" ticked (off by default, remembered in this
 * browser) it also beeps once per new arrival. No inline script: the page's CSP forbids it.
 */
(function () {
  "use strict";

  var POLL_MS = 15000;

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function zoneName() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      return "";
    }
  }

  function shortZone(date) {
    try {
      var parts = new Intl.DateTimeFormat(undefined, { timeZoneName: "short" }).formatToParts(date);
      for (var i = 0; i < parts.length; i++) {
        if (parts[i].type === "timeZoneName") return parts[i].value;
      }
    } catch (e) {
      /* old browser: no zone name */
    }
    return "";
  }

  function localTimes(root) {
    var times = (root || document).querySelectorAll("time[datetime]");
    for (var i = 0; i < times.length; i++) {
      var el = times[i];
      if (el.dataset.localised) continue;
      var date = new Date(el.getAttribute("datetime"));
      if (isNaN(date.getTime())) continue;
      var text =
        date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
        " " + pad(date.getHours()) + ":" + pad(date.getMinutes());
      var zone = shortZone(date);
      el.title = el.textContent.trim();
      el.textContent = zone ? text + " " + zone : text;
      el.dataset.localised = "1";
    }
    var note = document.getElementById("tz-note");
    var name = zoneName();
    if (note && name) note.textContent = "Times in " + name + " (your computer's time zone)";
  }

  function beep() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      var ctx = new Ctx();
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.1;
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.25);
    } catch (e) {
      /* no sound available */
    }
  }

  function live() {
    var box = document.getElementById("live");
    if (!box || !window.fetch) return;
    var since = box.dataset.since || "0";
    var includeTest = box.dataset.includeTest === "1";
    var badge = document.getElementById("live-badge");
    var text = document.getElementById("live-text");
    var reload = document.getElementById("live-reload");
    var state = document.getElementById("live-state");
    var sound = document.getElementById("live-sound");
    var heard = 0;
    try {
      sound.checked = window.localStorage.getItem("inbox-sound") === "on";
    } catch (e) {
      sound.checked = false;
    }
    sound.addEventListener("change", function () {
      try {
        window.localStorage.setItem("inbox-sound", sound.checked ? "on" : "off");
      } catch (e) {
        /* private mode: not remembered */
      }
    });
    reload.href = window.location.pathname + window.location.search;

    function show(summary) {
      state.textContent = summary.open + " open (" + summary.open_urgent + " urgent).";
      var count = summary.new_since;
      if (!count) return;
      var label = count === 1 ? "1 new ticket" : count + " new tickets";
      if (summary.new_urgent_since) label += " (" + summary.new_urgent_since + " urgent)";
      text.textContent = label;
      badge.classList.add("has-new");
      badge.classList.toggle("urgent-new", summary.new_urgent_since > 0);
      reload.hidden = false;
      if (count > heard && sound.checked) beep();
      heard = count;
      document.title = "(" + count + ") " + document.title.replace(/^\(\d+\) /, "");
    }

    function poll() {
      var url = "/api/tickets/summary?since=" + encodeURIComponent(since) + (includeTest ? "&include_test=1" : "");
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(show)
        .catch(function () {
          /* offline or logged out: try again at the next tick */
        });
    }

    window.setInterval(poll, POLL_MS);
    window.inboxLive = { poll: poll };
  }

  function start() {
    localTimes(document);
    live();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
