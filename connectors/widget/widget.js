/*
 * Tổng đài 1022 website chat widget. Embed it with one tag:
 *
 *   <script src="https://HOST/widget/widget.js" data-rasa-url="https://RASA-HOST" defer></script>
 *
 * Optional attribute: data-title (header title). The script loads widget.css from its own folder
 * into a shadow root, so the host page's styles and the widget's never mix.
 * It talks to Rasa's socketio channel through the small Engine.IO v4 / Socket.IO v5 client below:
 * WebSocket first, HTTP long-polling when WebSockets are blocked (some proxies do that).
 * No dependencies and no build step. Bot text is never parsed as HTML: nodes are built one by one.
 */
(function () {
  "use strict";
  if (window.Tongdai1022Widget) return; // the tag was included twice: keep the first copy

  var script = document.currentScript;
  var attr = function (name) { return (script && script.getAttribute(name)) || ""; };
  var assetBase = script && script.src ? script.src.replace(/[?#].*$/, "").replace(/[^/]*$/, "") : "";
  var rasaUrl = (attr("data-rasa-url") || location.origin).replace(/\/+$/, "");
  var KEY = "td1022:" + rasaUrl + ":"; // storage keys: one conversation per Rasa server
  var MAX_HISTORY = 100;
  var REPLY_TIMEOUT_MS = 45000;

  var T = {
    title: attr("data-title") || "Tổng đài 1022",
    subtitle: "Trợ lý ảo hỗ trợ thủ tục hành chính",
    open: "Mở cửa sổ hỏi đáp với Tổng đài 1022",
    close: "Đóng",
    restart: "Bắt đầu lại",
    log: "Nội dung trò chuyện",
    inputLabel: "Câu hỏi của Anh/Chị",
    placeholder: "Nhập câu hỏi của Anh/Chị...",
    send: "Gửi",
    typing: "Trợ lý đang trả lời...",
    connecting: "Đang kết nối...",
    reconnecting: "Đang kết nối lại...",
    suggestions: "Gợi ý",
    you: "Anh/Chị: ",
    bot: "Trợ lý: ",
    image: "Hình ảnh từ trợ lý"
  };

  // ---------------------------------------------------------------- storage (may be blocked)
  function store(kind) { try { return window[kind]; } catch (e) { return null; } }
  var local = store("localStorage"), tab = store("sessionStorage");
  function load(s, name, fallback) {
    try { var v = s && s.getItem(KEY + name); return v ? JSON.parse(v) : fallback; } catch (e) { return fallback; }
  }
  function save(s, name, value) {
    try { if (s) s.setItem(KEY + name, JSON.stringify(value)); } catch (e) { /* full or blocked */ }
  }

  // ------------------------------------------- Engine.IO v4 transports: {send(packet), close()}
  // Each calls onPacket(string) for every Engine.IO packet and onLost() once when it breaks.
  // close() silences it, so a replaced transport never reports anything again.
  function openWebSocket(url, onPacket, onLost) {
    var closed = false, ws;
    function lost() { if (!closed) { closed = true; onLost(); } }
    try { ws = new WebSocket(url.replace(/^http/, "ws") + "websocket"); } catch (e) { setTimeout(lost, 0); }
    if (ws) {
      ws.onmessage = function (e) { if (!closed && typeof e.data === "string") onPacket(e.data); };
      ws.onclose = lost; // also follows every error
    }
    return {
      send: function (p) { if (ws && ws.readyState === 1) ws.send(p); },
      close: function () { closed = true; try { if (ws) ws.close(); } catch (e) { /* already closed */ } }
    };
  }

  function openPolling(url, onPacket, onLost) {
    var sid = null, closed = false, queue = [], posting = false;
    var abort = window.AbortController ? new AbortController() : null; // ends a pending long-poll on close()
    function request(body) {
      var q = url + "polling" + (sid ? "&sid=" + encodeURIComponent(sid) : "") + "&t=" + Date.now().toString(36);
      // A text/plain POST is a "simple" cross-origin request: no CORS preflight needed.
      var init = body === undefined ? { cache: "no-store" }
        : { method: "POST", body: body, headers: { "Content-Type": "text/plain;charset=UTF-8" } };
      if (abort) init.signal = abort.signal;
      return fetch(q, init).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.text();
      });
    }
    function lost() { if (!closed) { closed = true; onLost(); } }
    function poll() { // long-poll: the server answers when it has packets (or a ping)
      request().then(function (payload) {
        payload.split("\x1e").forEach(function (p) { // packets are separated by U+001E
          if (!sid && p.charAt(0) === "0") sid = JSON.parse(p.slice(1)).sid;
          if (!closed) onPacket(p);
        });
        flush();
        if (!closed) poll();
      }).catch(lost);
    }
    function flush() { // one POST at a time, carrying everything queued so far
      if (posting || closed || !sid || !queue.length) return;
      posting = true;
      var body = queue.join("\x1e");
      queue = [];
      request(body).then(function () { posting = false; flush(); }).catch(lost);
    }
    poll();
    return {
      send: function (p) { queue.push(p); flush(); },
      close: function () { closed = true; if (abort) abort.abort(); }
    };
  }

  // ------------------------------- Socket.IO v5 client: default namespace, events without acks
  function Socket(baseUrl, onEvent, onState) {
    var kinds = window.WebSocket ? [openWebSocket, openPolling] : [openPolling];
    var url = baseUrl + "/socket.io/?EIO=4&transport=";
    var kind = 0, tries = 0, attempt = 0, t = null, ready = false, retryTimer = null, aliveTimer = null;
    var deadline; // how long without a packet means a dead connection

    function connect() {
      clearTimeout(retryTimer);
      ready = false;
      deadline = 10000; // until the open packet says how often the server pings
      t = kinds[kind](url, packet, lost);
      alive();
    }
    function alive() { // no packet (not even a ping) for too long: the connection is dead
      clearTimeout(aliveTimer);
      aliveTimer = setTimeout(lost, deadline);
    }
    function lost() {
      var wasReady = ready;
      if (t) t.close();
      t = null;
      ready = false;
      clearTimeout(aliveTimer);
      onState("reconnecting");
      if (!wasReady && ++tries < kinds.length) { // this transport never connected: try the next at once
        kind = (kind + 1) % kinds.length;
        connect();
        return;
      }
      tries = 0;
      kind = 0; // every round starts with the preferred transport
      var delay = Math.min(30000, 1000 * Math.pow(2, attempt++)); // 1 s, 2 s, 4 s ... 30 s
      retryTimer = setTimeout(connect, delay * (0.5 + Math.random() / 2));
    }
    function packet(p) {
      alive();
      try {
        var type = p.charAt(0);
        if (type === "0") { // Engine.IO open
          var info = JSON.parse(p.slice(1));
          deadline = (info.pingInterval || 25000) + (info.pingTimeout || 20000) + 5000;
          alive();
          t.send("40"); // Socket.IO: connect to the default namespace
        } else if (type === "2") {
          t.send("3"); // ping -> pong
        } else if (type === "1") {
          lost(); // the server closed the session
        } else if (type === "4") {
          message(p.slice(1));
        }
      } catch (e) { /* malformed packet: ignore it */ }
    }
    function message(p) { // a Socket.IO packet
      var type = p.charAt(0);
      if (type === "0") { // connect acknowledged
        ready = true; tries = 0; attempt = 0;
        onState("connected");
        onEvent("connect");
      } else if (type === "1" || type === "4") { // disconnect or connect error
        lost();
      } else if (type === "2") { // event: 2[ack id]["name", data]
        var m = /^2\d*(\[[\s\S]*)$/.exec(p);
        if (m) { var ev = JSON.parse(m[1]); onEvent(ev[0], ev[1]); }
      }
    }
    connect();
    return {
      emit: function (name, data) {
        if (!t || !ready) return false;
        t.send("42" + JSON.stringify([name, data]));
        return true;
      },
      retryNow: function () { // e.g. the network came back: skip the backoff
        if (ready) return;
        if (t) t.close();
        attempt = 0; tries = 0; kind = 0;
        connect();
      }
    };
  }

  // ---------------------------------------------------------------- DOM helpers
  function el(tag, cls, attrs, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    for (var k in attrs || {}) n.setAttribute(k, attrs[k]);
    if (text) n.textContent = text;
    return n;
  }
  var URL_RE = /https?:\/\/[^\s<>"'`]+/g;
  function renderText(parent, text) { // newlines -> <br>, http(s) URLs -> links, the rest as text
    text.split("\n").forEach(function (line, i) {
      if (i) parent.appendChild(document.createElement("br"));
      var last = 0, m;
      URL_RE.lastIndex = 0;
      while ((m = URL_RE.exec(line))) {
        var href = m[0].replace(/[.,;:!?)\]]+$/, ""); // trailing punctuation is not part of a URL
        parent.appendChild(document.createTextNode(line.slice(last, m.index)));
        var a = el("a", "", { href: href, target: "_blank", rel: "noopener noreferrer" }, href);
        parent.appendChild(a);
        last = m.index + href.length;
      }
      parent.appendChild(document.createTextNode(line.slice(last)));
    });
  }

  // Static icon markup (ours, not user data).
  var ICON_CHAT = '<svg width="30" height="30" viewBox="0 0 24 24" aria-hidden="true" focusable="false">' +
    '<path fill="currentColor" d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 ' +
    '1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z"/></svg>';

  // ---------------------------------------------------------------- widget
  var sessionId = load(local, "session", null);
  var transcript = load(local, "transcript", []); // [{from: "user"|"bot", text, buttons?, image?}]
  var outbox = []; // messages waiting for a confirmed session
  var confirmed = false, isOpen = false, unread = 0, socket = null, waitTimer = null;

  var host = el("div", "", { id: "td1022-widget" });
  var shadow = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var root = el("div", "td1022", { hidden: "" }); // shown once its CSS has loaded
  var launcher = el("button", "td1022-launcher",
    { type: "button", "aria-label": T.open, "aria-expanded": "false", "aria-controls": "td1022-panel" });
  launcher.innerHTML = ICON_CHAT;
  var badge = el("span", "td1022-badge", { "aria-hidden": "true", hidden: "" });
  launcher.appendChild(badge);

  var panel = el("section", "td1022-panel", { id: "td1022-panel", role: "dialog", "aria-labelledby": "td1022-title", hidden: "" });
  var header = el("div", "td1022-header");
  var heading = el("div", "td1022-heading");
  heading.appendChild(el("h2", "td1022-title", { id: "td1022-title" }, T.title));
  heading.appendChild(el("p", "td1022-subtitle", null, T.subtitle));
  var restartBtn = el("button", "td1022-header-btn td1022-restart", { type: "button" }, T.restart);
  var closeBtn = el("button", "td1022-header-btn td1022-close", { type: "button", "aria-label": T.close, title: T.close }, "×");
  header.appendChild(heading);
  header.appendChild(restartBtn);
  header.appendChild(closeBtn);

  var status = el("div", "td1022-status", { role: "status" });
  var body = el("div", "td1022-body");
  var log = el("div", "td1022-log", { role: "log", "aria-live": "polite", "aria-label": T.log });
  var typing = el("div", "td1022-typing", { hidden: "" });
  var dots = el("span", "td1022-dots", { "aria-hidden": "true" });
  dots.appendChild(el("span")); dots.appendChild(el("span")); dots.appendChild(el("span"));
  typing.appendChild(dots);
  typing.appendChild(el("span", "", null, T.typing));
  body.appendChild(log);
  body.appendChild(typing);

  var form = el("form", "td1022-form");
  form.appendChild(el("label", "td1022-sr", { "for": "td1022-input" }, T.inputLabel));
  var input = el("textarea", "td1022-input",
    { id: "td1022-input", rows: "1", maxlength: "1000", placeholder: T.placeholder, autocomplete: "off" });
  var sendBtn = el("button", "td1022-send", { type: "submit" }, T.send);
  form.appendChild(input);
  form.appendChild(sendBtn);

  panel.appendChild(header);
  panel.appendChild(status);
  panel.appendChild(body);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(launcher);

  function scrollDown() { body.scrollTop = body.scrollHeight; }

  function show(msg) {
    var row = el("div", "td1022-msg td1022-msg--" + (msg.from === "user" ? "user" : "bot"));
    var bubble = el("div", "td1022-bubble");
    bubble.appendChild(el("span", "td1022-sr", null, msg.from === "user" ? T.you : T.bot));
    if (msg.text) renderText(bubble, msg.text);
    if (msg.image) bubble.appendChild(el("img", "td1022-image", { src: msg.image, alt: T.image, loading: "lazy" }));
    row.appendChild(bubble);
    if (msg.buttons && msg.buttons.length) { // kept until the citizen sends the next message
      var group = el("div", "td1022-quick", { role: "group", "aria-label": T.suggestions });
      msg.buttons.forEach(function (b) {
        var btn = el("button", "td1022-quick-btn", { type: "button" }, b.title);
        btn.addEventListener("click", function () { send(b.payload, b.title); });
        group.appendChild(btn);
      });
      row.appendChild(group);
    }
    log.appendChild(row);
    scrollDown();
  }

  function record(msg) {
    transcript.push(msg);
    if (transcript.length > MAX_HISTORY) transcript = transcript.slice(-MAX_HISTORY);
    save(local, "transcript", transcript);
    show(msg);
  }

  function clearButtons() {
    transcript.forEach(function (m) { delete m.buttons; });
    var groups = log.querySelectorAll(".td1022-quick");
    for (var i = 0; i < groups.length; i++) groups[i].remove();
  }

  function setWaiting(on) {
    typing.hidden = !on;
    clearTimeout(waitTimer);
    if (on) waitTimer = setTimeout(function () { setWaiting(false); }, REPLY_TIMEOUT_MS);
    scrollDown();
  }

  function setStatus(text) { status.textContent = text; }

  function updateBadge() {
    badge.hidden = unread === 0;
    badge.textContent = unread > 9 ? "9+" : String(unread);
  }

  // Send a message; `shown` is what the conversation displays (null: a hidden command).
  function send(text, shown) {
    text = String(text || "").trim();
    if (!text) return;
    clearButtons();
    if (shown !== null) record({ from: "user", text: shown || text });
    outbox.push(text);
    setWaiting(true);
    ensureSocket();
    flush();
  }

  function flush() {
    while (confirmed && outbox.length &&
           socket.emit("user_uttered", { message: outbox[0], session_id: sessionId, customData: { language: "vi" } })) {
      outbox.shift();
    }
  }

  function onBot(data) {
    if (!data || typeof data !== "object") return;
    var buttons = (data.quick_replies || data.buttons || []).filter(function (b) { return b && b.title; })
      .map(function (b) { return { title: String(b.title), payload: String(b.payload != null ? b.payload : b.title) }; });
    var att = data.attachment, src = att && att.type === "image" && att.payload && att.payload.src;
    var msg = { from: "bot", text: typeof data.text === "string" ? data.text : "" };
    if (buttons.length) msg.buttons = buttons;
    if (typeof src === "string" && /^https?:\/\//i.test(src)) msg.image = src;
    if (!msg.text && !msg.image) return; // custom payloads have no visible form here
    setWaiting(false);
    record(msg);
    if (!isOpen) { unread++; updateBadge(); }
  }

  function ensureSocket() {
    if (socket) return;
    setStatus(T.connecting);
    socket = Socket(rasaUrl, function (name, data) {
      if (name === "connect") {
        socket.emit("session_request", { session_id: sessionId });
      } else if (name === "session_confirm") { // a bare string in Rasa 3.6, {session_id} elsewhere
        var id = typeof data === "string" ? data : data && data.session_id;
        if (!id) return;
        sessionId = id;
        save(local, "session", id);
        confirmed = true;
        setStatus("");
        flush();
      } else if (name === "bot_uttered") {
        onBot(data);
      }
    }, function (state) {
      if (state !== "connected") { confirmed = false; setStatus(T.reconnecting); }
    });
  }

  function setOpen(open, focusLauncher) {
    isOpen = open;
    panel.hidden = !open;
    root.classList.toggle("td1022--open", open);
    launcher.setAttribute("aria-expanded", String(open));
    save(tab, "open", open);
    if (open) {
      unread = 0;
      updateBadge();
      ensureSocket();
      if (!transcript.length && !outbox.length) send("/greet", null); // a new conversation: the bot introduces itself
      scrollDown();
      input.focus();
    } else if (focusLauncher) {
      launcher.focus();
    }
  }

  function restart() {
    transcript = [];
    save(local, "transcript", transcript);
    log.textContent = "";
    outbox = [];
    send("/restart", null); // Rasa forgets the conversation...
    send("/greet", null);   // ...and greets again
    input.focus();
  }

  launcher.addEventListener("click", function () { setOpen(!isOpen, false); });
  closeBtn.addEventListener("click", function () { setOpen(false, true); });
  restartBtn.addEventListener("click", restart);
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") setOpen(false, true); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value;
    input.value = "";
    grow();
    send(text);
    input.focus();
  });
  input.addEventListener("keydown", function (e) { // Enter sends, Shift+Enter breaks the line
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { // 229: an IME is composing
      e.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
  function grow() { input.style.height = "auto"; input.style.height = Math.min(input.scrollHeight, 120) + "px"; }
  input.addEventListener("input", grow);
  window.addEventListener("online", function () { if (socket) socket.retryNow(); });

  function start() {
    root.hidden = false;
    transcript.forEach(show);
    if (load(tab, "open", false)) setOpen(true, false); // the panel was open before a reload
    else if (sessionId) ensureSocket(); // a returning visitor: listen for replies and notices
  }
  function boot() { // CSS first, so the widget never shows unstyled
    var link = el("link", "", { rel: "stylesheet", href: assetBase + "widget.css" });
    var done = false;
    link.onload = link.onerror = function () { if (!done) { done = true; start(); } };
    shadow.appendChild(link);
    shadow.appendChild(root);
    document.body.appendChild(host);
  }
  if (document.body) boot(); else document.addEventListener("DOMContentLoaded", boot);

  window.Tongdai1022Widget = {
    open: function () { setOpen(true, false); },
    close: function () { setOpen(false, false); },
    restart: restart,
    send: function (text) { send(text); }
  };
})();
