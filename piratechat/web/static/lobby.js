// The lobby's latest lines on the Plone site's pages (piratechat.plone's viewlet), live:
// it listens to the lobby over SockJS (docs/protocol.md, `listen`): read-only, so it
// is nobody in the room, in no presence list and never counted. It keeps the last
// few lines; until one comes, the box invites the reader to say the first. A dropped
// connection comes back and asks for what it missed (`after`, `epoch`).
// A line taken back (`retracted`, or a line read back with `retracted`) is dropped.
// Text only, never markup.
(function () {
  "use strict";
  var box = document.getElementById("lobby-lines");
  if (!box || typeof SockJS === "undefined") { return; }
  var list = box.querySelector("ol");
  var quiet = box.querySelector(".lobby-quiet");
  var url = box.getAttribute("data-sockjs-url");
  var KEEP = 5;
  var lastSeq = null;
  var epoch = null;
  var retry = 1000;

  function show(line) {
    if (lastSeq !== null && line.seq <= lastSeq) { return; }
    lastSeq = line.seq;
    if (line.retracted) { return; }
    var item = document.createElement("li");
    item.setAttribute("data-seq", line.seq);
    var who = document.createElement("b");
    who.textContent = line.author;
    item.appendChild(who);
    item.appendChild(document.createTextNode(": " + line.translation));
    list.appendChild(item);
    while (list.children.length > KEEP) { list.removeChild(list.firstChild); }
    if (quiet) { quiet.hidden = true; }
  }

  function forget() {
    lastSeq = null;
    list.textContent = "";
    if (quiet) { quiet.hidden = false; }
  }

  function connect() {
    var sock = new SockJS(url);
    sock.onopen = function () {
      var message = { type: "listen", room: "lobby" };
      if (lastSeq !== null) { message.after = lastSeq; message.epoch = epoch; }
      sock.send(JSON.stringify(message));
    };
    sock.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "listening") {
        if (epoch !== null && message.epoch !== epoch) { forget(); }
        epoch = message.epoch;
        retry = 1000;
        box.setAttribute("data-listening", "");  // (tests wait on it)
      } else if (message.type === "reset") { forget(); }
      else if (message.type === "line") { show(message); }
      else if (message.type === "retracted") {
        var gone = list.querySelector('li[data-seq="' + message.seq + '"]');
        if (gone) { gone.remove(); }
      }
    };
    sock.onclose = function () {
      box.removeAttribute("data-listening");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }
  // Connect once the page has loaded: a polling transport's requests (JSONP's
  // script tags) made before would each hold the load event back, and each poll
  // answered starts the next, so the page could stay "loading" for good.
  if (document.readyState === "complete") {
    connect();
  } else {
    window.addEventListener("load", function () { connect(); });
  }
}());
