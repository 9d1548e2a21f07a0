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
    return d.toLocaleString("zh-CN", { hour12: false, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }
  function position() {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { return resolve(null); }
      navigator.geolocation.getCurrentPosition(
        function (p) { resolve({ lat: p.coords.latitude, lon: p.coords.longitude }); },
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
      var what = { pending: "待同步", done: "已记录", failed: "未记录" }[i.state];
      li.textContent = what + " · " + i.label + " · 本机时间 " + clock(i.occurred_at) +
        (i.lat != null ? " · 已定位" : " · 无定位") + (i.number ? " · 联单 " + i.number : "") +
        (i.note ? " · " + i.note : "");
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
          update(item.key, { state: "done", handover_code: null, note: "联单现为「" + data.status_name + "」",
                             number: data.number, recorded_at: data.event.recorded_at });
          return "done";
        }
        var error = data.error || {};
        if (res.status === 400 && error.code === "CSRF_INVALID" && !retried) {
          return refreshCsrf().then(function () { return send(item, true); });
        }
        if (res.status === 401) { update(item.key, { note: "请重新登录，登录后自动发送" }); return "wait"; }
        if (res.status >= 500 || !error.code) { update(item.key, { note: "服务器暂不可用，稍后自动重试" }); return "wait"; }
        update(item.key, { state: "failed", handover_code: null, note: error.message });
        return "failed";
      });
    }, function () {
      update(item.key, { note: "无网络，联网后自动发送" });
      return "wait";
    });
  }

  function sync() {
    if (syncing) { return Promise.resolve(); }
    syncing = true;
    // A step is sent only under the account that took it: a shared phone never files it as someone else's.
    var pending = load().filter(function (i) { return i.state === "pending" && (!i.user || i.user === user); });
    var reload = false, failure = null;
    var chain = Promise.resolve("start");
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
      if (failure) { confirmBox("未记录：" + failure, true); showForms(); }
      if (reload && !scan.dataset.offline) {
        var done = load().filter(function (i) { return i.token === token && i.state === "done"; }).pop();
        sessionStorage.setItem(FLASH, "✓ " + done.label + "已记录 · " + done.note + " · 本机时间 " + clock(done.occurred_at));
        location.reload();
      } else if (reload) {
        confirmBox("✓ 已记录");
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
      if (gps) { gps.textContent = "正在定位…"; }
      position().then(function (pos) {
        item.lat = pos ? pos.lat : null;
        item.lon = pos ? pos.lon : null;
        if (!load().some(function (i) { return i.key === item.key; })) { save(load().concat([item])); }
        document.querySelectorAll("form.step").forEach(function (f) { f.hidden = true; });
        confirmBox(navigator.onLine ? "正在发送…" : "已在本机记录（待同步）：联网后自动发送", false);
        return sync();
      });
    });
  });

  var flash = sessionStorage.getItem(FLASH);
  if (flash) { sessionStorage.removeItem(FLASH); confirmBox(flash); }
  var sync_now = document.getElementById("sync-now");
  if (sync_now) { sync_now.addEventListener("click", sync); }
  window.addEventListener("online", sync);
  setInterval(function () { if (load().some(function (i) { return i.state === "pending"; })) { sync(); } }, 15000);
  render();
  sync();
})();
