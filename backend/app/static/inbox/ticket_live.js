// Ticket page: the citizen's messages (sent on their chat channel while an operator owns the
// conversation) appear without reloading. Every few seconds the page asks the inbox for messages
// newer than the last one shown (same origin, the login cookie) and appends them as text.
document.addEventListener("DOMContentLoaded", function () {
  var list = document.getElementById("citizen-messages");
  if (!list || !window.fetch) return;
  var url = list.getAttribute("data-poll-url");
  var after = parseInt(list.getAttribute("data-after") || "0", 10) || 0;
  var empty = document.getElementById("citizen-messages-empty");
  var POLL_MS = 4000;

  function append(message) {
    var item = document.createElement("li");
    item.className = "message message-citizen";
    item.setAttribute("data-id", String(message.id));
    var meta = document.createElement("div");
    meta.className = "meta";
    var who = document.createElement("strong");
    who.textContent = "Công dân";
    meta.appendChild(who);
    meta.appendChild(document.createTextNode(" · " + message.at));
    var text = document.createElement("div");
    text.className = "pre";
    text.textContent = message.text;
    item.appendChild(meta);
    item.appendChild(text);
    list.appendChild(item);
  }

  function poll() {
    fetch(url + "?after=" + after, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        var type = response.headers.get("content-type") || "";
        if (!response.ok || type.indexOf("application/json") !== 0) return null;  // logged out, ...
        return response.json();
      })
      .then(function (data) {
        if (!data || !data.messages) return;
        data.messages.forEach(function (message) {
          if (message.id > after) {
            append(message);
            after = message.id;
          }
        });
        if (empty && data.messages.length) empty.hidden = true;
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ })
      .then(function () { window.setTimeout(poll, POLL_MS); });
  }

  window.setTimeout(poll, POLL_MS);
});
