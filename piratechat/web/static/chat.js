// PirateChat page: speaks docs/protocol.md over SockJS.
// Everything from the server is rendered with textContent, never as markup.
(function () {
  "use strict";
  var chat = document.getElementById("chat");
  var list = document.getElementById("messages");
  var status = document.getElementById("status");
  var form = document.getElementById("say");
  var lineInput = document.getElementById("line");
  var nameInput = document.getElementById("name");
  var params = new URLSearchParams(window.location.search);
  var room = chat.getAttribute("data-room") || undefined;
  var lastSeq = null;
  var sock = null;
  var retryDelay = 500;

  nameInput.value = localStorage.getItem("piratechat.name") ||
    "Pirate " + Math.floor(Math.random() * 9000 + 1000);
  nameInput.addEventListener("change", function () {
    localStorage.setItem("piratechat.name", nameInput.value.trim());
    if (sock && sock.readyState === 1) { join(); }
  });

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function scrollDown() { window.scrollTo(0, document.body.scrollHeight); }

  function showLine(line) {
    if (lastSeq !== null && line.seq <= lastSeq) { return; }  // already shown
    lastSeq = line.seq;
    var said = el("li", "said");
    said.setAttribute("data-seq", line.seq);
    said.appendChild(el("span", "author", line.author));
    said.appendChild(document.createTextNode(": "));
    said.appendChild(el("span", "text", line.text));
    var when = el("time", "", new Date(line.at).toLocaleTimeString());
    when.setAttribute("datetime", line.at);
    said.appendChild(when);
    var parrot = el("li", "parrot");
    parrot.appendChild(el("span", "author", "Parrot (" + line.translator + ")"));
    parrot.appendChild(document.createTextNode(": "));
    parrot.appendChild(el("span", "translation", line.translation));
    list.appendChild(said);
    list.appendChild(parrot);
    scrollDown();
  }

  function showError(message) {
    list.appendChild(el("li", "error", message.message));
    scrollDown();
  }

  function send(message) { sock.send(JSON.stringify(message)); }

  function join() {
    var message = { type: "join", name: nameInput.value.trim() || "Anonymous" };
    if (room) { message.room = room; }
    if (lastSeq !== null) { message.after = lastSeq; }
    send(message);
  }

  function connect() {
    var options = {};
    if (params.get("transport")) { options.transports = params.get("transport").split(","); }
    sock = new SockJS(chat.getAttribute("data-sockjs-url"), null, options);
    sock.onopen = function () {
      retryDelay = 500;
      status.textContent = "Connected (" + sock.transport + ")";
      chat.setAttribute("data-transport", sock.transport);
      join();
    };
    sock.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "line") { showLine(message); }
      else if (message.type === "error") { showError(message); }
      else if (message.type === "joined") { status.textContent = "Aboard " + message.room + " as " + message.name; }
    };
    sock.onclose = function () {
      status.textContent = "Disconnected; reconnecting…";
      chat.removeAttribute("data-transport");
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 10000);
    };
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = lineInput.value;
    if (!text.trim() || !sock || sock.readyState !== 1) { return; }
    send({ type: "say", text: text });
    lineInput.value = "";
  });

  connect();
}());
