// The media library without JavaScript is complete; this only makes it quicker to use: clicking the picture sets the
// focal point (the number fields stay the source of truth and are what the form sends), the alt text counter counts
// as you type, and deleting asks first.
(function () {
  "use strict";

  var frame = document.querySelector("[data-focal-frame]");
  var x = document.getElementById("focal_point.x");
  var y = document.getElementById("focal_point.y");
  if (frame && x && y) {
    var marker = frame.querySelector(".focal-marker");
    var image = frame.querySelector("img");
    var place = function () {
      var fx = Math.min(1000, Math.max(0, parseInt(x.value, 10) || 0));
      var fy = Math.min(1000, Math.max(0, parseInt(y.value, 10) || 0));
      marker.style.left = fx / 10 + "%";
      marker.style.top = fy / 10 + "%";
    };
    frame.classList.add("clickable");
    image.addEventListener("click", function (event) {
      var box = image.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) return;
      x.value = String(Math.round(((event.clientX - box.left) / box.width) * 1000));
      y.value = String(Math.round(((event.clientY - box.top) / box.height) * 1000));
      place();
    });
    x.addEventListener("input", place);
    y.addEventListener("input", place);
  }

  document.querySelectorAll("textarea[data-counter]").forEach(function (area) {
    var counter = document.getElementById(area.getAttribute("data-counter"));
    var max = area.getAttribute("maxlength");
    if (!counter) return;
    var count = function () {
      // Characters as people count them, not UTF-16 code units.
      counter.textContent = Array.from(area.value).length + " / " + max + " characters";
    };
    area.addEventListener("input", count);
  });

  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  var bulk = document.querySelector(".media-bulk");
  if (bulk) {
    bulk.addEventListener("submit", function (event) {
      var action = bulk.querySelector("select[name=action]");
      var ticked = bulk.querySelectorAll("input.pick:checked").length;
      if (action && action.value === "delete" && ticked > 0 &&
          !window.confirm("Delete " + ticked + " asset" + (ticked === 1 ? "" : "s") + "? This cannot be undone.")) {
        event.preventDefault();
      }
    });
  }
})();
