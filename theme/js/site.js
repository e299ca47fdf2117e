// The theme's own script, on the site's pages and the chat's (no inline script: the
// chat's Content-Security-Policy allows scripts from the page's origin only).
// - The menu button: on a narrow screen the site's sections and the member bar fold
//   behind it (the stylesheet folds them only once this script runs, so without it
//   they stay in view).
// - "Log in" and "Join the crew" come back to this page (came_from).
// - On the chat's pages the bar is the site's, as a visitor sees it: a member gets
//   their own (name, preferences, log out) from data-member-url. Text only, never markup.
(function () {
  "use strict";
  var button = document.getElementById("theme-menu");
  var panel = document.getElementById("theme-nav");
  if (button && panel) {
    document.documentElement.classList.add("menu-ready");
    var toggle = function (open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      panel.classList.toggle("open", open);
    };
    button.addEventListener("click", function () {
      toggle(button.getAttribute("aria-expanded") !== "true");
    });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        toggle(false);
        button.focus();
      }
    });
  }

  function comeBack(link) {
    if (link && link.href.indexOf("came_from=") < 0) {
      link.href += (link.href.indexOf("?") < 0 ? "?" : "&") +
        "came_from=" + encodeURIComponent(window.location.href);
    }
  }
  comeBack(document.getElementById("crew-login"));
  comeBack(document.getElementById("crew-join"));

  var bar = document.getElementById("crew-bar");
  var memberUrl = bar && bar.getAttribute("data-member-url");
  if (!memberUrl) { return; }
  function link(id, href, text) {
    var a = document.createElement("a");
    a.id = id;
    a.href = href;
    a.textContent = text;
    return a;
  }
  fetch(memberUrl, { credentials: "same-origin", cache: "no-store" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (member) {
      if (!member || !member.name) { return; }
      var name = document.createElement("span");
      name.id = "crew-member";
      name.textContent = member.name;
      bar.textContent = "";
      bar.appendChild(name);
      bar.appendChild(document.createTextNode(" "));
      bar.appendChild(link("crew-preferences", member.preferences, "Preferences"));
      bar.appendChild(document.createTextNode(" "));
      bar.appendChild(link("crew-logout", member.logout, "Log out"));
    })
    .catch(function () {})
    .then(function () { bar.setAttribute("data-checked", ""); });  // (tests wait on it)
}());
