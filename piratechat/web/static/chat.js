// PirateChat page: speaks docs/protocol.md over SockJS, in the room named by #chat's data-room.
// Everything from the server is rendered with textContent, never as markup.
// A dropped connection comes back by itself and asks for the lines said meanwhile
// (join with `after`); lines it could not be sent at once (a `gap`) come from the
// room's history URL.
(function () {
  "use strict";
  var chat = document.getElementById("chat");
  var list = document.getElementById("messages");
  var status = document.getElementById("status");
  var form = document.getElementById("say");
  var lineInput = document.getElementById("line");
  var nameInput = document.getElementById("name");
  var translatorSelect = document.getElementById("translator");
  var presenceList = document.getElementById("presence");
  var present = new Map();  // member id -> name: who is in the room, on every server
  var presentCount = 0;
  var params = new URLSearchParams(window.location.search);
  var room = chat.getAttribute("data-room") || undefined;
  var historyUrl = chat.getAttribute("data-history-url");
  var lastSeq = null;
  var sock = null;
  var retryDelay = 500;
  var holdUntil = 0;

  // The nickname is asked once (the name field, offered with a pirate name) and remembered.
  nameInput.value = localStorage.getItem("piratechat.name") ||
    "Pirate " + Math.floor(Math.random() * 9000 + 1000);
  localStorage.setItem("piratechat.name", nameInput.value);
  nameInput.addEventListener("change", function () {
    if (!nameInput.value.trim()) { return; }
    localStorage.setItem("piratechat.name", nameInput.value.trim());
    if (sock && sock.readyState === 1) { join(); }
  });

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // New lines are followed only by a reader already at the bottom: one who
  // scrolled up to read, or to name a room, is not yanked away mid-click.
  function atBottom() {
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 48;
  }

  function append(items) {
    var follow = atBottom();
    items.forEach(function (item) { list.appendChild(item); });
    if (follow) { window.scrollTo(0, document.body.scrollHeight); }
  }

  function showLine(line) {
    if (lastSeq !== null && line.seq <= lastSeq) { return; }  // already shown
    lastSeq = line.seq;
    append(lineItems(line));
  }

  // A line missed in a gap goes before the first shown line numbered after it.
  function insertLine(line) {
    if (list.querySelector('li.said[data-seq="' + line.seq + '"]')) { return; }
    var said = list.querySelectorAll("li.said");
    var before = null;
    for (var i = 0; i < said.length; i++) {
      if (Number(said[i].getAttribute("data-seq")) > line.seq) { before = said[i]; break; }
    }
    lineItems(line).forEach(function (item) { list.insertBefore(item, before); });
  }

  function fillGap(gap, from) {
    var url = historyUrl + "?after=" + from + "&limit=1000";
    fetch(url).then(function (response) { return response.json(); }).then(function (page) {
      var next = from;
      page.lines.forEach(function (line) {
        if (line.seq < gap.before) { insertLine(line); next = line.seq; }
      });
      if (next > from && next < gap.before - 1) { fillGap(gap, next); }
    }).catch(function () { showError({ message: "Some earlier lines could not be loaded." }); });
  }

  function lineItems(line) {
    var said = el("li", "said");
    said.setAttribute("data-seq", line.seq);
    said.appendChild(el("span", "author", line.author));
    said.appendChild(document.createTextNode(": "));
    said.appendChild(el("span", "text", line.text));
    var when = el("time", "", new Date(line.at).toLocaleTimeString());
    when.setAttribute("datetime", line.at);
    said.appendChild(when);
    var parrot = el("li", "parrot");
    var who = line.translator + (line.fallback ? ", standing in for " + line.fallback : "");
    parrot.appendChild(el("span", "author", "Parrot (" + who + ")"));
    parrot.appendChild(document.createTextNode(": "));
    parrot.appendChild(el("span", "translation", line.translation));
    return [said, parrot];
  }

  // The room's parrot changed (maybe by us): the select follows, the room is told.
  function showTranslator(message) {
    translatorSelect.value = message.name;
    append([el("li", "notice", message.by + " chose the " + message.title + " parrot.")]);
  }

  translatorSelect.addEventListener("change", function () {
    if (sock && sock.readyState === 1) { send({ type: "translator", name: translatorSelect.value }); }
  });

  // Who is here: the list after joining, then each enter and leave (by id, so a
  // repeat changes nothing). Shown sorted by name; a big room shows a count.
  function showPresence() {
    if (!presenceList) { return; }
    var people = Array.from(present, function (entry) { return { id: entry[0], name: entry[1] }; });
    people.sort(function (a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; });
    presenceList.textContent = "";
    people.forEach(function (person) {
      var item = el("li", "member", person.name);
      item.setAttribute("data-id", person.id);
      presenceList.appendChild(item);
    });
    if (presentCount > people.length) {
      presenceList.appendChild(el("li", "more", "and " + (presentCount - people.length) + " more"));
    }
  }

  function onPresence(message) {
    if (message.type === "presence") {
      present = new Map();
      message.members.forEach(function (m) { present.set(m.id, m.name); });
      presentCount = message.count;
    } else if (message.type === "enter" && !present.has(message.id)) {
      present.set(message.id, message.name);
      presentCount += 1;
    } else if (message.type === "leave" && present.has(message.id)) {
      present.delete(message.id);
      presentCount -= 1;
    }
    showPresence();
  }

  function showError(message) {
    append([el("li", "error", message.message)]);
  }

  function send(message) { sock.send(JSON.stringify(message)); }

  function join() {
    var message = { type: "join", name: nameInput.value.trim() || "Anonymous", presence: true };
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
      else if (message.type === "gap") { fillGap(message, message.after); }
      else if (message.type === "reset") { lastSeq = null; list.textContent = ""; }
      else if (message.type === "error") { showError(message); }
      else if (message.type === "joined") {
        status.textContent = "Aboard " + message.room + " as " + message.name;
        if (message.translator) { translatorSelect.value = message.translator; }
      }
      else if (message.type === "translator") { showTranslator(message); }
      else if (message.type === "presence" || message.type === "enter" ||
               message.type === "leave") { onPresence(message); }
    };
    sock.onclose = function () {
      status.textContent = "Disconnected; reconnecting…";
      present = new Map(); presentCount = 0; showPresence();
      chat.removeAttribute("data-transport");
      setTimeout(connect, Math.max(retryDelay, holdUntil - Date.now()));
      retryDelay = Math.min(retryDelay * 2, 10000);
    };
  }

  // Drop the connection and stay away `ms` milliseconds: what a flaky network does.
  // The page then recovers like after any drop (the acceptance tests use this).
  window.pirateChat = {
    drop: function (ms) { holdUntil = Date.now() + (ms || 0); if (sock) { sock.close(); } }
  };

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = lineInput.value;
    if (!text.trim() || !sock || sock.readyState !== 1) { return; }
    send({ type: "say", text: text });
    lineInput.value = "";
  });

  connect();
}());
