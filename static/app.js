// Every page's behaviour, served from /static: the Content-Security-Policy allows no inline script.
// Logging out of a shared phone also forgets the scan pages the service worker kept for offline use: they show
// the last user's manifests. Queued steps stay (each is sent only under the account that took it).
document.querySelectorAll("form[data-logout]").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    if (!window.caches || form.dataset.cleared) { return; }
    event.preventDefault();
    form.dataset.cleared = "1";
    caches.keys().then(function (names) {
      return Promise.all(names.map(function (name) {
        return caches.open(name).then(function (cache) {
          return cache.keys().then(function (requests) {
            return Promise.all(requests.filter(function (r) { return new URL(r.url).pathname.indexOf("/s/") === 0; })
              .map(function (r) { return cache.delete(r); }));
          });
        });
      }));
    }).catch(function () {}).then(function () { form.submit(); });
  });
});

// "Select all" on the producer's label sheet.
document.querySelectorAll("input[data-select-all]").forEach(function (box) {
  box.addEventListener("click", function () {
    document.querySelectorAll("input[name=" + box.dataset.selectAll + "]").forEach(function (c) { c.checked = box.checked; });
  });
});
