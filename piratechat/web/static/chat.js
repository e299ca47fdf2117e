// PirateChat page: speaks docs/protocol.md over SockJS, in the room named by #chat's data-room.
// Everything from the server is rendered with textContent, never as markup.
// A dropped connection comes back by itself and asks for the lines said meanwhile
// (join with `after`, and the `epoch` those numbers belong to); lines it could not be
// sent at once (a `gap`) come from the room's history URL. A new epoch is a history
// replaced, not a gap: what was shown is dropped and the room's lines are loaded anew.
// Nothing typed is lost: every line goes to an outbox first (kept in localStorage),
// shown as pending, and leaves it only when the server says it is stored (`said`, or a
// repeat answer). Each carries a random client_id, and every join this browser's random
// sender_key, so a line sent again after a cut connection is stored once and nobody
// else can see or spend our ids (protocol.md, "Sending a line exactly once"). Lines are
// marked "you" only when the server said they were ours, never by their look.
// Moderation (docs/protocol.md, "Moderation"): a line of ours can be taken back for ten
// minutes (proved by its client_id), any line by a moderator; the moderators' panel
// shows only when `joined` says we moderate. The server decides every action again.
// Each reader may read through a parrot of their own ("You read as", kept in
// localStorage): joins ask for it (`read_as`), switching tells the server and re-reads the
// lines shown from the history URL. What this reader has read is kept on the server
// (`read`): the tab's title counts the open room's unread lines, the list of rooms each
// room's, and a read in another tab or device clears them (`unread`, docs/protocol.md).
(function () {
  "use strict";
  var chat = document.getElementById("chat");
  var list = document.getElementById("messages");
  var outboxList = document.getElementById("outbox");
  var status = document.getElementById("status");
  var transportNote = document.getElementById("transport");
  var form = document.getElementById("say");
  var lineInput = document.getElementById("line");
  var nameInput = document.getElementById("name");
  var sendButton = document.getElementById("send");
  var translatorSelect = document.getElementById("translator");
  var readAsSelect = document.getElementById("read-as");
  var baseTitle = document.title;
  var readMark = null;  // the last line of this room this reader read, as the server keeps it
  var markTimer = null;
  var presenceList = document.getElementById("presence");
  var present = new Map();  // member id -> name: who is in the room, on every server
  var presentCount = 0;
  var params = new URLSearchParams(window.location.search);
  var room = chat.getAttribute("data-room") || undefined;
  var historyUrl = chat.getAttribute("data-history-url");
  var linesUrl = chat.getAttribute("data-lines-url");  // + seq: a line's own page
  var outboxKey = "piratechat.outbox." + (room || "lobby");
  var lastSeq = null;
  var epoch = null;  // the history lastSeq counts in (docs/protocol.md, Epochs)
  var sock = null;
  var joined = false;
  var retryDelay = 500;
  var holdUntil = 0;
  var cutAfterSend = null;

  function stored(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }

  // Unguessable ids: crypto.randomUUID where the page is a secure context, else 128
  // random bits from crypto.getRandomValues (never Math.random or a counter).
  function randomId() {
    if (window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = window.crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }
  // This browser's sender key: sent with every join and to nobody else; the server
  // knows our resent lines by it, whatever name we chat under.
  var senderKey = localStorage.getItem("piratechat.sender");
  if (!senderKey || senderKey.length < 16) {
    senderKey = randomId();
    localStorage.setItem("piratechat.sender", senderKey);
  }
  localStorage.removeItem("piratechat.me");  // the old, guessable id prefix

  // The numbers of our own lines in this room's history, as the server told them
  // (`said`): kept with their epoch, the latest 500, so a reload still marks them.
  var ownKey = "piratechat.own." + (room || "lobby");
  var own = stored(ownKey, { epoch: null, seqs: [], ids: {} });
  if (!own.ids) { own.ids = {}; }  // seq -> the client_id it was sent with: proves it ours
  var ownSeqs = new Set(own.seqs);
  var moderator = false;  // as `joined` said: shows the panel and every take-back control
  var TAKE_BACK_MS = 10 * 60 * 1000;  // how long an author may take a line back
  function mine(line) { return own.epoch === epoch && ownSeqs.has(line.seq); }

  var outbox = stored(outboxKey, []);  // [{client_id, text, sent}], oldest first
  outbox.forEach(function (item) { item.sent = false; });

  // The nickname is asked once (the name field, offered with a pirate name) and remembered.
  nameInput.value = localStorage.getItem("piratechat.name") ||
    "Pirate " + Math.floor(Math.random() * 9000 + 1000);
  localStorage.setItem("piratechat.name", nameInput.value);
  nameInput.addEventListener("change", function () {
    if (!nameInput.value.trim()) { return; }
    localStorage.setItem("piratechat.name", nameInput.value.trim());
    if (connected()) { join(); }
  });

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function connected() { return sock !== null && sock.readyState === 1; }

  // The indicator: colour (data-state, styled) and words; the transport on demand.
  function showState(state, words) {
    status.setAttribute("data-state", state);
    status.textContent = words;
    sendButton.textContent = state === "online" ? "send" : "send later";
    document.documentElement.setAttribute("data-connection", state);
  }

  // New lines are followed only by a reader already at the bottom of the list:
  // one who scrolled up to read is not yanked away.
  function atBottom() { return list.scrollTop + list.clientHeight >= list.scrollHeight - 48; }

  function append(items) {
    var follow = atBottom();
    items.forEach(function (item) { list.appendChild(item); });
    if (follow) { list.scrollTop = list.scrollHeight; }
  }

  function showLine(line) {
    if (lastSeq !== null && line.seq <= lastSeq) { return; }  // already shown
    lastSeq = line.seq;
    append([lineItem(line)]);
    lineCame();
    reachLinked(line.seq);
  }

  // A line's page links into the room at it (#line-SEQ): once shown, it is marked and
  // scrolled to, once.
  var linked = /^#line-([0-9]+)$/.exec(window.location.hash);
  function reachLinked(seq) {
    if (!linked || Number(linked[1]) !== seq) { return; }
    linked = null;
    var item = document.getElementById("line-" + seq);
    item.classList.add("linked");
    item.scrollIntoView({ block: "center" });
  }

  // A line missed in a gap goes before the first shown line numbered after it.
  function insertLine(line) {
    if (list.querySelector('li.said[data-seq="' + line.seq + '"]')) { return; }
    var said = list.querySelectorAll("li.said");
    var before = null;
    for (var i = 0; i < said.length; i++) {
      if (Number(said[i].getAttribute("data-seq")) > line.seq) { before = said[i]; break; }
    }
    list.insertBefore(lineItem(line), before);
    reachLinked(line.seq);
  }

  function fillGap(gap, from) {
    var url = historyUrl + "?after=" + from + "&limit=1000";
    var asked = epoch;
    fetch(url).then(function (response) {
      if (response.status === 429) {  // our address read its share: ask again once it refills
        var wait = Number(response.headers.get("Retry-After")) || 1;
        setTimeout(function () { if (epoch === asked) { fillGap(gap, from); } }, wait * 1000);
        return null;
      }
      return response.json();
    }).then(function (page) {
      if (!page || page.epoch !== asked || epoch !== asked) { return; }  // another history
      var next = from;
      page.lines.forEach(function (line) {
        if (line.seq < gap.before) { insertLine(line); next = line.seq; }
      });
      if (next > from && next < gap.before - 1) { fillGap(gap, next); }
    }).catch(function () { showError({ message: "Some earlier lines could not be loaded." }); });
  }

  // One line, one unit: who, what, when, and the parrot's words under it.
  function lineItem(line) {
    var said = el("li", "said");
    said.setAttribute("data-seq", line.seq);
    said.setAttribute("data-at", line.at);
    said.setAttribute("data-author", line.author);
    if (line.retracted) { return takenBack(said); }
    said.appendChild(el("span", "author", line.author));
    said.appendChild(document.createTextNode(": "));
    said.appendChild(el("span", "text", line.text));
    var when = el("time", "", new Date(line.at).toLocaleTimeString());
    when.setAttribute("datetime", line.at);
    said.appendChild(when);
    said.id = "line-" + line.seq;  // a line's page links here ("join the room there")
    var link = el("a", "permalink", "#" + line.seq);
    link.href = linesUrl + line.seq;
    link.title = "This line's own page, to share";
    said.appendChild(link);
    var parrot = el("span", "parrot");
    parrot.appendChild(el("span", "parrot-name"));
    parrot.appendChild(document.createTextNode(": "));
    parrot.appendChild(el("span", "translation"));
    said.appendChild(parrot);
    showReading(said, line);
    if (mine(line)) { markOwn(said); }
    offerTakeBack(said);
    return said;
  }

  // --- taking lines back --------------------------------------------------------------
  // A line taken back keeps its place (its number), not its words.
  function takenBack(said) {
    said.textContent = "";
    said.classList.add("retracted");
    said.appendChild(el("span", "text", "A line was taken back."));
    return said;
  }

  function mayTakeBack(said) {
    if (said.classList.contains("retracted")) { return false; }
    if (moderator) { return true; }
    var ours = said.classList.contains("own") ||
      (chat.getAttribute("data-member") === said.getAttribute("data-author"));
    return ours && Date.now() - new Date(said.getAttribute("data-at")).getTime() < TAKE_BACK_MS;
  }

  function offerTakeBack(said) {
    if (said.querySelector(".take-back") || !mayTakeBack(said)) { return; }
    var button = el("button", "take-back", "take back");
    button.type = "button";
    button.addEventListener("click", function () {
      var seq = Number(said.getAttribute("data-seq"));
      var message = { type: "retract", seq: seq };
      if (own.epoch === epoch && own.ids[seq]) { message.client_id = own.ids[seq]; }
      if (ownerKey) { message.key = decodeURIComponent(ownerKey); }
      if (connected()) { send(message); }
    });
    said.querySelector("time").after(button);
  }

  function onRetracted(message) {
    var shown = list.querySelector('li.said[data-seq="' + message.seq + '"]');
    if (shown) { takenBack(shown); }
  }

  // The parrot's words as this reader reads them; the room's parrot's stay on the line
  // (its data-room-translation) when another was chosen.
  function showReading(said, line) {
    var who = line.translator + (line.fallback ? ", standing in for " + line.fallback : "");
    said.querySelector(".parrot-name").textContent = "Parrot (" + who + ")";
    said.querySelector(".translation").textContent = line.translation;
    said.setAttribute("data-translator", line.translator);
    if (line.room_translator) {
      said.setAttribute("data-room-translator", line.room_translator);
      said.setAttribute("data-room-translation", line.room_translation);
    } else {
      said.removeAttribute("data-room-translator");
      said.removeAttribute("data-room-translation");
    }
  }

  // --- reading as -------------------------------------------------------------------
  function readAs() { return readAsSelect ? readAsSelect.value : ""; }
  if (readAsSelect) {
    readAsSelect.value = localStorage.getItem("piratechat.read_as") || "";
    if (readAsSelect.selectedIndex < 0) { readAsSelect.value = ""; }  // no longer offered
    readAsSelect.addEventListener("change", function () {
      localStorage.setItem("piratechat.read_as", readAs());
      if (connected() && joined) { send({ type: "read_as", translator: readAs() || null }); }
      reread();
    });
  }

  // Switching parrots re-reads the lines shown: the history URL reads them as asked.
  function reread() {
    var shown = list.querySelectorAll("li.said");
    if (!shown.length) { return; }
    var first = Number(shown[0].getAttribute("data-seq"));
    var last = Number(shown[shown.length - 1].getAttribute("data-seq"));
    var asked = readAs();
    var url = historyUrl + "?after=" + (first - 1) + "&limit=" + Math.min(1000, last - first + 1) +
      (asked ? "&read_as=" + encodeURIComponent(asked) : "");
    fetch(url).then(function (response) { return response.ok ? response.json() : null; })
      .then(function (page) {
        if (!page || page.epoch !== epoch || readAs() !== asked) { return; }
        page.lines.forEach(function (line) {
          var said = list.querySelector('li.said[data-seq="' + line.seq + '"]');
          if (said && !said.classList.contains("retracted")) { showReading(said, line); }
        });
        chat.setAttribute("data-reread", asked);
      }).catch(function () { showError({ message: "The lines could not be read anew." }); });
  }

  // --- unread counts ----------------------------------------------------------------
  // The open room: read while the page is seen (marked once lines settle), else counted
  // in the tab's title.
  function showTitleCount() {
    var count = lastSeq !== null && readMark !== null ? Math.max(0, lastSeq - readMark) : 0;
    document.title = (count ? "(" + count + ") " : "") + baseTitle;
    chat.setAttribute("data-unread", String(count));
    if (readMark !== null) { chat.setAttribute("data-last-read", String(readMark)); }
  }

  function markRead() {
    markTimer = null;
    if (!connected() || !joined || document.visibilityState !== "visible") { return; }
    var seq = lastSeq === null ? 0 : lastSeq;
    if (readMark !== null && seq <= readMark) { return; }
    send({ type: "read", seq: seq });
  }

  function lineCame() {
    showTitleCount();
    if (markTimer === null) { markTimer = setTimeout(markRead, 300); }
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { lineCame(); }
  });

  // The other rooms listed: their counts come when asked (after joining) and whenever
  // this reader reads one, here or anywhere.
  function listedRooms() {
    return Array.from(document.querySelectorAll("#rooms a[data-room]"),
      function (link) { return link.getAttribute("data-room"); }).slice(0, 50);
  }

  function showUnread(message) {
    if (message.room === (room || "lobby")) {
      readMark = readMark === null ? message.last_read : Math.max(readMark, message.last_read);
      showTitleCount();
      return;
    }
    var link = document.querySelector('#rooms a[data-room="' + message.room + '"]');
    if (!link) { return; }
    var badge = link.parentNode.querySelector(".unread");
    if (!badge) {
      badge = el("span", "unread");
      link.parentNode.appendChild(badge);
    }
    badge.textContent = message.count ? String(message.count) : "";
    badge.hidden = !message.count;
    badge.setAttribute("aria-label", message.count + " unread");
    link.setAttribute("data-unread", String(message.count));
  }

  function markOwn(said) {
    if (said.classList.contains("own") || said.classList.contains("retracted")) { return; }
    said.classList.add("own");
    said.insertBefore(el("span", "you", "you"), said.querySelector(".author").nextSibling);
    offerTakeBack(said);
  }

  // The server says line `seq` is ours (`said`, or the repeat answer to a resent line):
  // it leaves the outbox, and is marked "you" now if shown, else when it comes.
  function ours(message) {
    if (message.client_id) { confirm(message.client_id); }  // stored, whatever else
    if (message.epoch !== epoch) { return; }
    if (own.epoch !== epoch) { own = { epoch: epoch, seqs: [], ids: {} }; ownSeqs = new Set(); }
    if (message.client_id) { own.ids[message.seq] = message.client_id; }
    if (!ownSeqs.has(message.seq)) {
      own.seqs.push(message.seq);
      ownSeqs.add(message.seq);
      if (own.seqs.length > 500) {
        var dropped = own.seqs.shift();
        ownSeqs.delete(dropped);
        delete own.ids[dropped];
      }
      try { localStorage.setItem(ownKey, JSON.stringify(own)); } catch (e) { /* full */ }
    }
    var shown = list.querySelector('li.said[data-seq="' + message.seq + '"]');
    if (shown) { markOwn(shown); }
  }

  // --- the outbox -------------------------------------------------------------------
  function saveOutbox() {
    try { localStorage.setItem(outboxKey, JSON.stringify(outbox)); } catch (e) { /* full */ }
    outboxList.textContent = "";
    outbox.forEach(function (item) {
      var pending = el("li", "pending");
      pending.setAttribute("data-client-id", item.client_id);
      pending.appendChild(el("span", "text", item.text));
      pending.appendChild(el("span", "waiting", item.sent ? "sending…" : "waiting to be sent"));
      outboxList.appendChild(pending);
    });
    chat.setAttribute("data-outbox", String(outbox.length));
  }

  // A line of ours is kept: it leaves the outbox.
  function confirm(clientId) {
    var left = outbox.filter(function (item) { return item.client_id !== clientId; });
    if (left.length !== outbox.length) { outbox = left; saveOutbox(); }
  }

  function sendOutbox() {
    if (!connected() || !joined) { return; }
    outbox.forEach(function (item) {
      if (item.sent) { return; }  // once per connection; a reconnect sends it again
      send({ type: "say", text: item.text, client_id: item.client_id });
      item.sent = true;
    });
    saveOutbox();
    if (cutAfterSend !== null && outbox.length) {
      var ms = cutAfterSend;
      cutAfterSend = null;
      window.pirateChat.drop(ms);
    }
  }

  // The server could not take a line now (too fast, or its storage failed): what is
  // still unconfirmed goes again in a moment, with the same client ids.
  function retryOutbox(error) {
    if (error.code === "slow_mode") {  // goes out once the room lets us say the next line
      outbox.forEach(function (item) { item.sent = false; });
      saveOutbox();
      setTimeout(sendOutbox, (error.wait || 1) * 1000);
      return;
    }
    if (error.code === "muted" || error.code === "read_only" || error.code === "banned") {
      // Refused for now: lines sent leave the outbox, the first back in the input.
      var refused = outbox.filter(function (item) { return item.sent; });
      outbox = outbox.filter(function (item) { return !item.sent; });
      if (refused.length && !lineInput.value) { lineInput.value = refused[0].text; }
      saveOutbox();
      return;
    }
    if (error.code !== "flood" && error.code !== "unavailable") { return; }
    outbox.forEach(function (item) { item.sent = false; });
    saveOutbox();
    setTimeout(sendOutbox, 1500);
  }

  // --- the connection ---------------------------------------------------------------
  function showTranslator(message) {
    translatorSelect.value = message.name;
    append([el("li", "notice", message.by + " chose the " + message.title + " parrot.")]);
  }

  // Whoever made this room holds its owner's key (a cookie scoped to the room's
  // path, set by POST /rooms/): their choice is sent with it and locks the parrot.
  var ownerKey = (document.cookie.match(/(?:^|; )piratechat_owner=([^;]*)/) || [])[1];
  if (ownerKey && !localStorage.getItem("piratechat.owner-shown." + room)) {  // shown once
    localStorage.setItem("piratechat.owner-shown." + room, "1");
    append([el("li", "notice owner", "You made this room: your parrot choices lock it. " +
      "Its owner key, kept in this browser: " + decodeURIComponent(ownerKey))]);
  }

  translatorSelect.addEventListener("change", function () {
    if (!connected()) { return; }
    var message = { type: "translator", name: translatorSelect.value };
    if (ownerKey) { message.key = decodeURIComponent(ownerKey); message.lock = true; }
    send(message);
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

  // The history the page showed is gone (a new database): forget its lines; the
  // server sends the room's recent ones next.
  function startOver() {
    lastSeq = null;
    list.querySelectorAll("li.said").forEach(function (item) { item.remove(); });
  }

  function showError(message) {
    append([el("li", "error", message.message)]);
  }

  function send(message) { sock.send(JSON.stringify(message)); }

  // A member of the site the chat is part of (data-token-url: its @@chat-token) joins
  // under their name with a fresh signed token (docs/protocol.md, "Members"); anyone
  // else (the site answers 403) under the nickname they typed.
  var tokenUrl = chat.getAttribute("data-token-url");
  function memberToken() {
    if (!tokenUrl) { return Promise.resolve(null); }
    return fetch(tokenUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; });
  }

  function join() {
    memberToken().then(function (member) {
      var message = { type: "join", name: nameInput.value.trim() || "Anonymous", presence: true,
                      sender_key: senderKey };
      if (member && member.token) {
        message.name = member.name;
        message.token = member.token;
        nameInput.value = member.name;
        nameInput.readOnly = true;
        // A member is not asked for a name: the status says whose lines these are.
        nameInput.hidden = true;
        form.querySelector('label[for="name"]').hidden = true;
        chat.setAttribute("data-member", member.name);
      }
      if (room) { message.room = room; }
      if (ownerKey) { message.key = decodeURIComponent(ownerKey); }  // owns: moderates
      if (readAs()) { message.read_as = readAs(); }
      if (lastSeq !== null) { message.after = lastSeq; message.epoch = epoch; }
      if (connected()) { send(message); }
    });
  }

  // Names are unique in a room. Taken: say so once, then ask again every 2 s with
  // whatever the name field holds by then (after a reconnect, the name may be our
  // own old connection's, until the server notices it is gone).
  var nameTakenShown = false;
  function nameTaken(message) {
    if (!nameTakenShown) { showError(message); nameTakenShown = true; }
    setTimeout(function () { if (connected() && !joined) { join(); } }, 2000);
  }

  function connect() {
    var options = {};
    if (params.get("transport")) { options.transports = params.get("transport").split(","); }
    showState("connecting", "Connecting…");
    sock = new SockJS(chat.getAttribute("data-sockjs-url"), null, options);
    sock.onopen = function () {
      retryDelay = 500;
      chat.setAttribute("data-transport", sock.transport);
      transportNote.textContent = "Connected over SockJS, transport " + sock.transport + ".";
      showState("connecting", "Connected; joining…");
      join();
    };
    sock.onmessage = function (event) {
      var message = JSON.parse(event.data);
      if (message.type === "line") {
        if (message.repeat) { ours(message); }
        showLine(message);
      }
      else if (message.type === "said") { ours(message); }
      else if (message.type === "gap") { fillGap(message, message.after); }
      else if (message.type === "reset") { startOver(); }
      else if (message.type === "error" && message.code === "name_taken") { nameTaken(message); }
      else if (message.type === "error" && message.code === "too_many_joins") {
        showError(message);  // our address joined too often: join again in a while
        setTimeout(function () { if (connected() && !joined) { join(); } }, 10000);
      }
      else if (message.type === "error") { showError(message); retryOutbox(message); }
      else if (message.type === "joined") {
        if (epoch !== null && message.epoch !== epoch) { startOver(); }
        epoch = message.epoch;
        chat.setAttribute("data-epoch", epoch);
        joined = true;
        nameTakenShown = false;
        showState("online", "Online: aboard " + message.room + " as " + message.name);
        if (message.translator) { translatorSelect.value = message.translator; }
        setModerator(Boolean(message.moderator));
        if (message.rules) { showRules(message.rules); }
        readMark = message.last_read === undefined ? null : message.last_read;
        chat.setAttribute("data-read-as", message.read_as || "");
        sendOutbox();
        if (listedRooms().length) { send({ type: "unread", rooms: listedRooms() }); }
        lineCame();
      }
      else if (message.type === "retracted") { onRetracted(message); }
      else if (message.type === "rules") { showRules(message); }
      else if (message.type === "moderated") { showModerated(message); }
      else if (message.type === "log") { showLog(message); }
      else if (message.type === "translator") { showTranslator(message); }
      else if (message.type === "unread") { showUnread(message); }
      else if (message.type === "read_as") { chat.setAttribute("data-read-as", message.translator || ""); }
      else if (message.type === "presence" || message.type === "enter" ||
               message.type === "leave") { onPresence(message); }
    };
    sock.onclose = function () {
      joined = false;
      var wait = Math.max(retryDelay, holdUntil - Date.now());
      showState("offline", "Offline: reconnecting in " + Math.ceil(wait / 1000) +
        " s. Lines you send wait in the outbox.");
      transportNote.textContent = "Not connected.";
      present = new Map(); presentCount = 0; showPresence();
      chat.removeAttribute("data-transport");
      outbox.forEach(function (item) { item.sent = false; });
      saveOutbox();
      setTimeout(connect, wait);
      retryDelay = Math.min(retryDelay * 2, 10000);
    };
  }

  // --- the moderators' panel ----------------------------------------------------------
  var panel = document.getElementById("moderation");
  var rulesNow = document.getElementById("rules-now");
  var modLog = document.getElementById("mod-log");

  function setModerator(yes) {
    moderator = yes;
    chat.setAttribute("data-moderator", String(yes));
    if (panel) { panel.hidden = !yes; }
    list.querySelectorAll("li.said").forEach(offerTakeBack);
  }

  function showRules(rules) {
    chat.setAttribute("data-read-only", String(Boolean(rules.read_only)));
    chat.setAttribute("data-slow", String(rules.slow || 0));
    var words = [];
    if (rules.read_only) { words.push("This room is read-only."); }
    if (rules.slow) { words.push("Slow mode: one line every " + rules.slow + " s."); }
    if (rulesNow) { rulesNow.textContent = words.join(" ") || "No rules in force."; }
  }

  var done = { mute: "muted", unmute: "unmuted", ban: "banned the address of",
               unban: "unbanned the address of", moderator: "made a moderator:",
               unmoderator: "is no moderator:", slow: "set slow mode to",
               read_only: "set read-only:", clear: "cleared" };
  function showModerated(message) {
    var about = message.name || message.address || message.rule ||
      (message.seconds !== undefined ? message.seconds + " s" : String(message.on));
    append([el("li", "notice moderated", "You " + done[message.action] + " " + about +
      " (" + message.scope + ").")]);
  }

  function showLog(message) {
    modLog.textContent = "";
    message.entries.forEach(function (entry) {
      var about = entry.name || entry.address || entry.rule ||
        (entry.seq !== undefined ? "line " + entry.seq : "") ||
        (entry.seconds !== undefined ? entry.seconds + " s" : "") ||
        (entry.on !== undefined ? String(entry.on) : "");
      var item = el("li", "log-entry", new Date(entry.at).toLocaleString() + " " + entry.by +
        ": " + entry.action + " " + about + " (" + entry.scope + ")");
      item.setAttribute("data-action", entry.action);
      modLog.appendChild(item);
    });
    if (!message.entries.length) { modLog.appendChild(el("li", "log-entry", "Nothing yet.")); }
  }

  if (panel) {
    panel.querySelectorAll("button[data-action]").forEach(function (button) {
      button.addEventListener("click", function () {
        var action = button.getAttribute("data-action");
        var message = { type: "moderate", action: action,
                        scope: document.getElementById("mod-scope").value };
        var name = document.getElementById("mod-name").value.trim();
        var seconds = Number(document.getElementById("mod-seconds").value);
        if (["mute", "unmute", "ban", "unban", "moderator"].indexOf(action) >= 0) {
          message.name = name;
        }
        if (action === "mute" || action === "slow" || action === "ban") {
          message.seconds = Math.max(0, Math.floor(seconds || 0));
        }
        if (action === "read_only") { message.on = button.getAttribute("data-on") === "true"; }
        if (action === "clear") { message.rule = button.getAttribute("data-rule"); }
        if (ownerKey) { message.key = decodeURIComponent(ownerKey); }
        if (connected()) { send(message); }
      });
    });
    document.getElementById("show-log").addEventListener("click", function () {
      var message = { type: "log" };
      if (ownerKey) { message.key = decodeURIComponent(ownerKey); }
      if (connected()) { send(message); }
    });
  }

  // Test hooks (the acceptance tests use them): drop the connection and stay away
  // `ms` milliseconds, as a flaky network does; or cut it right after the next line
  // leaves, before its echo can arrive. The page then recovers like after any drop.
  window.pirateChat = {
    drop: function (ms) { holdUntil = Date.now() + (ms || 0); if (sock) { sock.close(); } },
    cutAfterNextSend: function (ms) { cutAfterSend = ms || 0; }
  };

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = lineInput.value;
    if (!text.trim()) { return; }
    outbox.push({ client_id: randomId(), text: text });
    lineInput.value = "";
    saveOutbox();
    sendOutbox();
  });

  saveOutbox();
  // Connect once the page has loaded: a polling transport's requests (JSONP's
  // script tags) made before would each hold the load event back, and each poll
  // answered starts the next, so the page could stay "loading" for good.
  if (document.readyState === "complete") {
    connect();
  } else {
    window.addEventListener("load", function () { connect(); });
  }
}());
