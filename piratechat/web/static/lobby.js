// The lobby's latest lines on the Plone site's pages (piratechat.plone's viewlet):
// reads the lobby's history URL every few seconds for lines after the last one shown.
// It only reads, so it is nobody in the room. Text only, never markup.
(function () {
  "use strict";
  var box = document.getElementById("lobby-lines");
  if (!box) { return; }
  var list = box.querySelector("ol");
  var url = box.getAttribute("data-history-url");
  var after = null;
  var KEEP = 5;
  function show(line) {
    var item = document.createElement("li");
    var who = document.createElement("b");
    who.textContent = line.author;
    item.appendChild(who);
    item.appendChild(document.createTextNode(": " + line.translation));
    list.appendChild(item);
    while (list.children.length > KEEP) { list.removeChild(list.firstChild); }
  }
  function poll() {
    var from = after === null ? "" : "?after=" + after;
    fetch(url + from, { credentials: "omit" }).then(function (r) { return r.json(); })
      .then(function (page) {
        var lines = page.lines;
        if (after === null) { lines = lines.slice(-KEEP); after = page.last; }
        lines.forEach(function (line) { show(line); after = Math.max(after, line.seq); });
      }).catch(function () {}).then(function () {
        box.setAttribute("data-polled", "");  // read at least once (tests wait on it)
        setTimeout(poll, 2000);
      });
  }
  poll();
}());
