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
})();
