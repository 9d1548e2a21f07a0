// The public tip-off form: the phone's position into the form's lat/lon, and no more photos than allowed.
(function () {
  "use strict";
  var button = document.getElementById("locate");
  var shown = document.getElementById("located");
  if (button && shown) {
    if (!navigator.geolocation) {
      button.hidden = true;
    }
    button.addEventListener("click", function () {
      shown.textContent = button.dataset.locating;
      navigator.geolocation.getCurrentPosition(function (position) {
        document.getElementById("lat").value = position.coords.latitude.toFixed(6);
        document.getElementById("lon").value = position.coords.longitude.toFixed(6);
        shown.textContent = button.dataset.located + " (" + position.coords.latitude.toFixed(5) + ", " +
          position.coords.longitude.toFixed(5) + ")";
      }, function () {
        shown.textContent = button.dataset.failed;
      }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
    });
  }
  var photos = document.getElementById("photos");
  if (photos) {
    photos.addEventListener("change", function () {
      var max = parseInt(photos.dataset.max, 10);
      photos.setCustomValidity(photos.files.length > max ? photos.dataset.tooMany : "");
      photos.reportValidity();
    });
  }
})();
