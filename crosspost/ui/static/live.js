// crosspost dashboard: reload the page when the registry records something new (polling
// /live every 2 s), unless the writer is typing in a form. Drag and drop onto "Add a story".
(function () {
  "use strict";
  var mark = document.body.getAttribute("data-mark");
  function busy() {
    var el = document.activeElement;
    if (!el) return false;
    var tag = el.tagName;
    return (tag === "INPUT" && el.type !== "submit" && el.value) || tag === "TEXTAREA" || tag === "SELECT";
  }
  function poll() {
    fetch("/live", {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.mark !== mark && !busy()) { window.location.reload(); }
      })
      .catch(function () { document.getElementById("live").textContent = "crosspost stopped"; });
  }
  setInterval(poll, 2000);
  var drop = document.getElementById("drop");
  if (drop) {
    drop.addEventListener("dragover", function (e) { e.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      drop.classList.remove("over");
      if (e.dataTransfer && e.dataTransfer.files.length) {
        document.getElementById("story").files = e.dataTransfer.files;
        drop.submit();
      }
    });
  }
  // calendar: drag a release onto another day = its "Move" form with that day, same time
  var dragged = null;
  document.querySelectorAll("a.release[draggable]").forEach(function (a) {
    a.addEventListener("dragstart", function (e) {
      dragged = a;
      if (e.dataTransfer) { e.dataTransfer.setData("text/plain", a.getAttribute("data-id")); }
    });
  });
  document.querySelectorAll("td.day").forEach(function (td) {
    td.addEventListener("dragover", function (e) { if (dragged) { e.preventDefault(); } });
    td.addEventListener("drop", function (e) {
      if (!dragged) return;
      e.preventDefault();
      var form = document.querySelector('form[action="/delivery/' +
        dragged.getAttribute("data-id") + '/reschedule"]');
      if (!form) return;
      form.querySelector("input[name=when]").value =
        td.getAttribute("data-day") + " " + dragged.getAttribute("data-time");
      dragged = null;
      form.submit();
    });
  });
})();
