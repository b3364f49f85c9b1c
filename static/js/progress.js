// Updates the processing progress without reloading; without JavaScript a meta refresh does it.
(function () {
  var box = document.getElementById("kemajuan");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector("progress");
  var stage = box.querySelector(".stage");
  var pct = box.querySelector(".percent");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.value = s.percent;
        pct.textContent = s.percent + "%";
        stage.textContent = s.stage_label;
        if (s.finished) window.location.reload();
        else setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
