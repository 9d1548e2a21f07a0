// The batch pages: the waste-code picker (a debounced server-side search), the import's progress note and
// confirmations before unpacking. No inline script: the Content-Security-Policy forbids it.
(function () {
  "use strict";

  var input = document.getElementById("waste_code");
  if (input) {
    var list = document.getElementById("code-results");
    var info = document.getElementById("code-info");
    var timer = null;
    var asked = 0;

    var show = function (item) {
      info.textContent = "";
      var title = document.createElement("strong");
      title.textContent = item.code + " " + item.name;
      info.appendChild(title);
      [[info.dataset.labelCategory, item.category + " " + item.category_name],
       [info.dataset.labelHazard, item.hazard_text],
       [info.dataset.labelStream, item.stream_name]].forEach(function (pair) {
        var line = document.createElement("span");
        line.textContent = pair[0] + ": " + pair[1];
        info.appendChild(line);
      });
      if (item.provisional) {  // a class not yet checked against the official table
        var mark = document.createElement("span");
        mark.className = "provisional";
        mark.textContent = item.provisional;
        info.appendChild(mark);
      }
      info.classList.remove("hidden");
    };

    var choose = function (item) {
      input.value = item.code;
      list.textContent = "";
      show(item);
    };

    var render = function (data, query) {
      list.textContent = "";
      if (!data.items.length) {
        var none = document.createElement("li");
        none.className = "muted";
        none.textContent = input.dataset.none;
        list.appendChild(none);
        return;
      }
      data.items.forEach(function (item) {
        if (item.code === query) { show(item); }
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "code-option";
        button.setAttribute("role", "option");
        button.dataset.code = item.code;
        var head = document.createElement("strong");
        head.textContent = item.code + " " + item.name;
        var meta = document.createElement("span");
        meta.className = "muted";
        meta.textContent = item.category + " " + item.category_name + " · " + item.hazard_text + " · " + item.stream_name +
          (item.provisional ? " · " + item.provisional : "");
        button.appendChild(head);
        button.appendChild(meta);
        button.addEventListener("click", function () { choose(item); });
        li.appendChild(button);
        list.appendChild(li);
      });
      if (data.total > data.items.length) {
        var more = document.createElement("li");
        more.className = "muted";
        more.textContent = input.dataset.more.replace("{n}", data.total);
        list.appendChild(more);
      }
    };

    var search = function () {
      var query = input.value.trim();
      if (!query) { list.textContent = ""; return; }
      var mine = ++asked;
      fetch(input.dataset.searchUrl + "?per_page=10&q=" + encodeURIComponent(query), {credentials: "same-origin",
        headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json(); })
        .then(function (data) { if (mine === asked) { render(data, query); } })
        .catch(function () {});
    };

    input.addEventListener("input", function () {
      info.classList.add("hidden");
      clearTimeout(timer);
      timer = setTimeout(search, 250);  // one request once typing pauses, not one per key
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        var first = list.querySelector("button");
        if (first) { event.preventDefault(); first.focus(); }
      }
    });
  }

  var upload = document.getElementById("import-form");
  if (upload) {
    upload.addEventListener("submit", function () {
      var file = upload.querySelector("input[type=file]").files[0];
      var note = document.getElementById("import-progress");
      note.textContent = upload.dataset.busy + (file ? " (" + Math.ceil(file.size / 1024) + " KB)" : "");
      upload.querySelector("button[type=submit]").disabled = true;
    });
  }

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();
