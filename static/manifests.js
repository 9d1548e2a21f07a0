// The manifest form: vehicles and drivers offered are those of the chosen transporter (the service checks it too);
// ticking a batch with no quantity fills in what remains, typing a quantity ticks its batch.
(function () {
  var transporter = document.getElementById("transporter");
  function filter() {
    ["vehicle", "driver"].forEach(function (id) {
      var select = document.getElementById(id);
      if (!select || !transporter) { return; }
      Array.prototype.forEach.call(select.options, function (option) {
        var owner = option.getAttribute("data-transporter");
        var hidden = owner && transporter.value && owner !== transporter.value;
        option.hidden = !!hidden;
        if (hidden && option.selected) { select.value = ""; }
      });
    });
  }
  if (transporter) { transporter.addEventListener("change", filter); filter(); }
  document.querySelectorAll(".pick").forEach(function (row) {
    var box = row.querySelector("input[type=checkbox]");
    var qty = row.querySelector("input.qty");
    if (!box || !qty) { return; }
    qty.addEventListener("input", function () { if (qty.value.trim()) { box.checked = true; } });
  });
})();
