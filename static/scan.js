/* The scan page's steps: taken with the phone's own time and GPS, queued on the phone, sent when the network
   allows. Each step keeps its idempotency key from the first tap, so however often it is resent (network
   back, page reopened, button pressed twice) the server records it once. No library, ~5 KB. */
(function () {
  "use strict";
  var QUEUE = "wastechain.queue.v1", FLASH = "wastechain.flash";
  var scan = document.getElementById("scan");
  var match = location.pathname.match(/^\/s\/([^/]+)/);
  var token = (scan && scan.dataset.token) || (match && match[1]) || null;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var user = (scan && scan.dataset.user) || "";
  var syncing = false;
  // Every text shown here comes from the page (#scan-texts, rendered in the page's language); {x} is filled in.
  var texts = (document.getElementById("scan-texts") || { dataset: {} }).dataset;
  function t(name, values) {
    return (texts[name] || "").replace(/\{(\w+)\}/g, function (all, key) {
      return values && values[key] != null ? values[key] : all;
    });
  }

  if ("serviceWorker" in navigator) { navigator.serviceWorker.register("/sw.js").catch(function () {}); }

  function load() { try { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; } }
  function save(items) { localStorage.setItem(QUEUE, JSON.stringify(items)); render(); }
  function update(key, fields) {
    save(load().map(function (i) { return i.key === key ? Object.assign(i, fields) : i; }));
  }
  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);  // available on plain http too, unlike crypto.randomUUID
    return "phone-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function clock(iso) {
    var d = new Date(iso);
    return d.toLocaleString(texts.locale || document.documentElement.lang || undefined, { hour12: false, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }
  function position() {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { return resolve(null); }
      navigator.geolocation.getCurrentPosition(
        function (p) { resolve({ lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy }); },
        function () { resolve(null); },
        { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
    });
  }

  function render() {
    var box = document.getElementById("queue");
    if (!box) { return; }
    var items = load().slice(-10).reverse();
    box.hidden = items.length === 0;
    var list = box.querySelector("ul");
    list.textContent = "";
    items.forEach(function (i) {
      var li = document.createElement("li");
      li.dataset.state = i.state;
      li.dataset.key = i.key;
      var what = t({ pending: "pending", done: "done", failed: "failed" }[i.state]);
      li.textContent = [what, i.label, t("deviceTime", { time: clock(i.occurred_at) }),
        i.lat != null ? t("located") : t("unlocated")].concat(i.number ? [t("manifest", { number: i.number })] : [])
        .concat(i.note ? [i.note] : []).join(" · ");
      list.appendChild(li);
    });
    document.getElementById("sync-now").hidden = !items.some(function (i) { return i.state === "pending"; });
  }

  function confirmBox(text, bad) {
    var box = document.getElementById("confirm");
    if (!box) { return; }
    box.textContent = text;
    box.className = "confirm" + (bad ? " bad" : "");
    box.hidden = false;
  }

  function refreshCsrf() {
    return fetch("/csrf-token", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); }).then(function (b) { csrf = b.csrf_token; });
  }

  function send(item, retried) {
    var body = { type: item.type, idempotency_key: item.key, occurred_at: item.occurred_at, lat: item.lat,
                 lon: item.lon, quantity_kg: item.quantity_kg, handover_code: item.handover_code };
    return fetch("/s/" + item.token + "/step", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (res.ok) {
          update(item.key, { state: "done", handover_code: null, note: t("nowStatus", { status: data.status_name }),
                             number: data.number, recorded_at: data.event.recorded_at });
          return "done";
        }
        var error = data.error || {};
        if (res.status === 400 && error.code === "CSRF_INVALID" && !retried) {
          return refreshCsrf().then(function () { return send(item, true); });
        }
        if (res.status === 401) { update(item.key, { note: t("loginAgain") }); return "wait"; }
        if (res.status >= 500 || !error.code) { update(item.key, { note: t("serverDown") }); return "wait"; }
        update(item.key, { state: "failed", handover_code: null, note: error.message });
        return "failed";
      });
    }, function () {
      update(item.key, { note: t("noNetwork") });
      return "wait";
    });
  }

  function sync() {
    if (syncing) { return Promise.resolve(); }
    syncing = true;
    // A step is sent only under the account that took it: a shared phone never files it as someone else's.
    var pending = load().filter(function (i) { return i.state === "pending" && (!i.user || i.user === user); });
    var reload = false, failure = null;
    var start = function () { return "start"; };
    var chain = sendTrack().then(start, start);  // the route first, then the delivery
    pending.forEach(function (item) {
      chain = chain.then(function (previous) {
        if (previous === "wait") { return "wait"; }
        return send(item).then(function (outcome) {
          var now = load().filter(function (i) { return i.key === item.key; })[0] || item;
          if (item.token === token && outcome === "done") { reload = true; }
          if (item.token === token && outcome === "failed") { failure = now.note; }
          return outcome;
        });
      });
    });
    return chain.then(function () {
      syncing = false;
      if (failure) { confirmBox(t("notRecorded", { reason: failure }), true); showForms(); }
      if (reload && !scan.dataset.offline) {
        var done = load().filter(function (i) { return i.token === token && i.state === "done"; }).pop();
        sessionStorage.setItem(FLASH, [t("recordedStep", { step: done.label }), done.note,
                                       t("deviceTime", { time: clock(done.occurred_at) })].join(" · "));
        location.reload();
      } else if (reload) {
        confirmBox(t("recorded"));
      }
    }, function () { syncing = false; });
  }

  function showForms() {
    document.querySelectorAll("form.step").forEach(function (f) { f.hidden = false; delete f.dataset.busy; });
  }

  document.querySelectorAll("form.step").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (form.dataset.busy || !token) { return; }
      form.dataset.busy = "1";
      var data = new FormData(form);
      var item = { key: data.get("idempotency_key") || newKey(), token: token, type: data.get("type"),
                   label: form.dataset.label, user: user, occurred_at: new Date().toISOString(), state: "pending",
                   quantity_kg: data.get("quantity_kg") || null, handover_code: data.get("handover_code") || null };
      var gps = form.querySelector("[data-gps]");
      var hint = gps ? gps.textContent : "";
      if (gps) { gps.textContent = t("locating"); }
      position().then(function (pos) {
        if (gps) { gps.textContent = hint; }
        item.lat = pos ? pos.lat : null;
        item.lon = pos ? pos.lon : null;
        // A refused step recorded nothing, so a corrected retry may reuse its key: it replaces the refused entry.
        var others = load().filter(function (i) { return !(i.key === item.key && i.state === "failed"); });
        if (!others.some(function (i) { return i.key === item.key; })) { save(others.concat([item])); }
        document.querySelectorAll("form.step").forEach(function (f) { f.hidden = true; });
        confirmBox(navigator.onLine ? t("sending") : t("queued"), false);
        return sync();
      });
    });
  });

  // Route track: while the manifest is in transit and this page is open, a GPS point every few minutes, queued
  // on the phone like the steps (each with its own key, resent until the server answers).
  var TRACK = "wastechain.track.v1", TRACK_ACCURACY_M = 5000;
  var trackBox = document.getElementById("track-status"), trackSent = 0;
  function loadTrack() { try { return JSON.parse(localStorage.getItem(TRACK) || "[]"); } catch (e) { return []; } }
  function saveTrack(points) {
    localStorage.setItem(TRACK, JSON.stringify(points));
    var waiting = points.filter(function (p) { return p.token === token; }).length;
    if (trackBox) {
      trackBox.textContent = waiting ? trackBox.dataset.waiting.replace("{n}", waiting)
        : trackSent ? trackBox.dataset.sent.replace("{n}", trackSent) : trackBox.dataset.idle;
    }
  }
  function sendTrackOf(target, points, retried) {
    return fetch("/s/" + target + "/track", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ points: points.map(function (p) {
        return { client_key: p.client_key, lat: p.lat, lon: p.lon, accuracy_m: p.accuracy_m,
                 occurred_at: p.occurred_at };
      }) })
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        var code = (data.error || {}).code;
        if (res.status === 400 && code === "CSRF_INVALID" && !retried) {
          return refreshCsrf().then(function () { return sendTrackOf(target, points, true); });
        }
        if (res.status === 401 || res.status >= 500 || (!res.ok && !code)) { return; }  // kept: sent again later
        // stored, or refused for good (no longer in transit, too old): either way not sent again
        var keys = points.map(function (p) { return p.client_key; });
        if (res.ok && target === token) { trackSent += data.created || 0; }
        saveTrack(loadTrack().filter(function (p) { return keys.indexOf(p.client_key) < 0; }));
      });
    }, function () {});
  }
  function sendTrack() {
    var mine = loadTrack().filter(function (p) { return !p.user || p.user === user; });
    var targets = mine.map(function (p) { return p.token; })
      .filter(function (t, i, all) { return all.indexOf(t) === i; });
    return Promise.all(targets.map(function (target) {
      return sendTrackOf(target, mine.filter(function (p) { return p.token === target; }).slice(0, 500));
    }));
  }
  function takePoint() {
    return position().then(function (pos) {
      if (!pos || !(pos.accuracy <= TRACK_ACCURACY_M)) { return; }  // no fix, or one too rough to draw a road
      saveTrack(loadTrack().concat([{ client_key: newKey(), token: token, user: user, lat: pos.lat, lon: pos.lon,
                                      accuracy_m: pos.accuracy == null ? null : pos.accuracy,
                                      occurred_at: new Date().toISOString() }]));
      return navigator.onLine ? sendTrack() : null;
    });
  }
  var trackEvery = scan ? Number(scan.dataset.trackEvery) * 1000 : 0;
  if (token && trackEvery > 0) { takePoint(); setInterval(takePoint, trackEvery); }
  window.addEventListener("online", sendTrack);

  var flash = sessionStorage.getItem(FLASH);
  if (flash) { sessionStorage.removeItem(FLASH); confirmBox(flash); }
  var sync_now = document.getElementById("sync-now");
  if (sync_now) { sync_now.addEventListener("click", sync); }
  window.addEventListener("online", sync);
  setInterval(function () {
    if (load().some(function (i) { return i.state === "pending"; })) { sync(); }
    else if (loadTrack().length) { sendTrack(); }
  }, 15000);
  render();
  sync();
})();
