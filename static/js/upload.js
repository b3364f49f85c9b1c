// Shows the upload's progress; without JavaScript the form posts normally.
(function () {
  var form = document.getElementById("unggah");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var box = form.querySelector(".upload-progress");
    var bar = box.querySelector("progress");
    var text = box.querySelector(".percent");
    var button = form.querySelector("button[type=submit]");
    box.hidden = false;
    button.disabled = true;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("X-Requested-With", "fetch");
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      var pct = Math.round((e.loaded / e.total) * 100);
      bar.value = pct;
      text.textContent = pct + "%";
    };
    xhr.onload = function () {
      if (xhr.status === 200 && xhr.getResponseHeader("Content-Type").indexOf("json") !== -1) {
        window.location.href = JSON.parse(xhr.responseText).run;
      } else {
        document.open();
        document.write(xhr.responseText);
        document.close();
      }
    };
    xhr.onerror = function () {
      button.disabled = false;
      text.textContent = form.getAttribute("data-error-text") || "!";
    };
    xhr.send(new FormData(form));
  });
})();
