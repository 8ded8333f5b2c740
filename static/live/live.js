/* Live exercise pages (console, crisis cell, observers): one WebSocket, a snapshot on every (re)connection,
   events deduplicated by id, and periodic polling of the same snapshot when no live connection can be made. */
(function () {
  "use strict";
  var root = document.querySelector("[data-live]");
  if (!root) { return; }
  var page = root.dataset.live;
  var feedUrl = root.dataset.feed;
  var actionUrl = root.dataset.action;
  var storyPoints = JSON.parse(root.dataset.story || "[]");
  // the console knows the whole chronogramme; the crisis cell and the observers only learn the simulated time from
  // the stimuli that have reached them (the timing of the ones to come stays hidden)
  var learnStory = !root.dataset.story;
  var csrf = (document.querySelector("[name=csrfmiddlewaretoken]") || {}).value;
  var seen = {};
  var clock = null;
  var attempts = 0;
  var pollTimer = null;
  var status = document.getElementById("live-status");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function fmt(seconds) {
    seconds = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
    return [h, m, s].map(function (v) { return (v < 10 ? "0" : "") + v; }).join(":");
  }
  function toSeconds(text) {
    if (typeof text === "number") { return text; }
    var p = text.split(":"); return (+p[0]) * 3600 + (+p[1]) * 60 + (+p[2]);
  }
  function nowOffset() {
    if (!clock) { return 0; }
    return clock.offset + (clock.running ? (Date.now() - clock.localMs) / 1000 * clock.speed : 0);
  }
  function post(data) {
    var body = new URLSearchParams(data);
    return fetch(actionUrl, {method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": csrf, "Accept": "application/json"}}).then(function (r) {
      return r.json().then(function (json) { if (!r.ok) { throw new Error(json.error || "Erreur"); } return json; });
    });
  }
  function setStatus(text, kind) {
    if (status) { status.textContent = text; status.className = "fr-badge fr-badge--sm fr-badge--" + kind; }
  }

  function renderClock() {
    var box = document.getElementById("clock");
    if (!box || !clock) { return; }
    var offset = nowOffset();
    var story = "";
    storyPoints.forEach(function (point) { if (toSeconds(point[0]) <= offset) { story = point[1]; } });
    box.querySelector("[data-clock=exercise]").textContent = fmt(offset);
    box.querySelector("[data-clock=story]").textContent = story || "—";
    box.querySelector("[data-clock=state]").textContent = clock.ended ? "terminé" :
      (clock.running ? "en cours ×" + clock.speed : "en pause");
  }
  setInterval(renderClock, 500);

  function stimulusCard(ev) {
    var card = el("article", {"class": "care-live-item", "data-delivery": ev.id, "data-testid": "live-stimulus"});
    var head = el("p", {"class": "fr-text--sm fr-mb-1v"});
    head.textContent = ev.story_time + " · " + ev.channel_label + " · de " + ev.sender_label +
      (ev.late ? " · en retard" : "");
    card.appendChild(head);
    card.appendChild(el("h3", {"class": "fr-h6 fr-mb-1v"}, ev.title));
    var body = el("div", {"class": "care-prose"});
    body.innerHTML = ev.html;  // rendered server-side from Markdown with raw HTML disabled
    card.appendChild(body);
    (ev.attachments || []).forEach(function (a) {
      var details = el("details"); details.appendChild(el("summary", {}, "Pièce jointe : " + a.name));
      details.appendChild(el("pre", {"class": "care-attachment"}, a.content)); card.appendChild(details);
    });
    return card;
  }

  var renderers = {
    cell: {
      stimulus: function (ev) {
        var target = {email: "mailbox", phone: "phone", sms: "phone", press: "feed", social: "feed"}[ev.channel] ||
          "letters";
        var card = stimulusCard(ev);
        var actions = el("div", {"class": "fr-btns-group fr-btns-group--inline-sm fr-btns-group--sm"});
        var ack = el("button", {"class": "fr-btn fr-btn--secondary fr-btn--sm", "type": "button"}, "Accuser réception");
        ack.addEventListener("click", function () {
          post({action: "ack", delivery: ev.id}).then(function () { ack.textContent = "Reçu"; ack.disabled = true; });
        });
        actions.appendChild(ack);
        if (ev.channel === "email") {
          var reply = el("button", {"class": "fr-btn fr-btn--tertiary fr-btn--sm", "type": "button",
            "data-testid": "reply"}, "Répondre");
          reply.addEventListener("click", function () { openReply(ev, false); });
          actions.appendChild(reply);
          var forward = el("button", {"class": "fr-btn fr-btn--tertiary fr-btn--sm", "type": "button",
            "data-testid": "forward"}, "Transférer");
          forward.addEventListener("click", function () { openReply(ev, true); });
          actions.appendChild(forward);
        }
        card.appendChild(actions);
        prepend(target, card);
        post({action: "read", delivery: ev.id}).catch(function () {});
        notify(ev.title);
      },
      message: function (ev) {
        if (!ev.from_actor) { return; }
        var card = el("article", {"class": "care-live-item", "data-testid": "live-message"});
        card.appendChild(el("p", {"class": "fr-text--sm fr-mb-1v"}, "De " + ev.author + " · " + fmt(ev.offset)));
        card.appendChild(el("h3", {"class": "fr-h6 fr-mb-1v"}, ev.subject));
        card.appendChild(el("p", {"class": "care-pre"}, ev.body));
        prepend(ev.channel === "phone" ? "phone" : "mailbox", card);
        notify(ev.subject);
      },
      log: logLine
    },
    console: {
      stimulus: function (ev) {
        var row = document.querySelector("[data-delivery-row='" + ev.id + "']");
        if (row) {
          row.querySelector("[data-col=status]").textContent = "envoyé à " + fmt(ev.offset) + (ev.late ? " (en retard)" : "");
          row.classList.add("care-sent");
          row.querySelectorAll("[data-pending-only]").forEach(function (n) { n.remove(); });
        }
      },
      receipt: function (ev) {
        var row = document.querySelector("[data-delivery-row='" + ev.id + "'] [data-col=receipts]");
        if (row) { row.textContent = (ev.ack ? "reçu par " : "lu par ") + ev.member; }
      },
      held: function (ev) {
        var row = document.querySelector("[data-delivery-row='" + ev.id + "'] [data-col=status]");
        if (row) { row.textContent = "retenu : à confirmer"; }
      },
      message: function (ev) {
        var answered = ev.reply_to && !ev.from_actor &&
          document.querySelector("[data-delivery-row='" + ev.reply_to + "'] [data-col=answered]");
        if (answered) { answered.textContent = "répondu par " + ev.author; }
        var list = document.getElementById("inbox");
        if (!list) { return; }
        var item = el("li", {"data-testid": "inbox-message"});
        item.textContent = fmt(ev.offset) + " · " + (ev.from_actor ? ev.from_actor + " → " + ev.to_roles.join(", ")
          : ev.author + " → " + ev.to_actor) + " · " + ev.subject + " : " + ev.body;
        list.insertBefore(item, list.firstChild);
      },
      log: logLine
    },
    observe: {
      stimulus: function (ev) {
        prepend("feed", stimulusCard(ev));
        var select = document.getElementById("obs-delivery");
        if (select) { select.appendChild(el("option", {"value": ev.id}, ev.code + " – " + ev.title)); }
      },
      log: logLine
    }
  };

  function logLine(ev) {
    var list = document.getElementById(ev.team ? "team-log" : "crisis-log");
    if (!list) { return; }
    var item = el("li", {"data-testid": "log-entry"});
    var label = {entry: "Info", decision: "Décision", action: "Action"}[ev.kind] || ev.kind;
    item.textContent = fmt(ev.offset) + " · " + label + " · " + ev.text + (ev.owner ? " (resp. " + ev.owner + ")" : "") +
      (ev.rationale ? " — motif : " + ev.rationale : "") + (ev.author ? " — " + ev.author : "");
    list.appendChild(item);
  }
  function prepend(id, node) {
    var box = document.getElementById(id);
    if (box) { box.insertBefore(node, box.firstChild); var empty = box.querySelector("[data-empty]"); if (empty) { empty.remove(); } }
  }
  function notify(text) {
    var live = document.getElementById("live-announce");
    if (live) { live.textContent = "Nouveau : " + text; }
  }

  function openReply(ev, forward) {
    var form = document.getElementById("reply-form");
    var to = form.elements.to_actor;
    form.hidden = false;
    form.elements.delivery.value = ev.id;
    if (forward) {
      to.selectedIndex = 0;
      form.elements.subject.value = "TR : " + ev.title;
      form.elements.body.value = "\n\n---- Message transféré ----\nDe : " + (ev.sender_label || ev.sender) + "\n" +
        ev.title;
      to.focus();
    } else {
      to.value = ev.sender;
      if (to.value !== ev.sender) { to.selectedIndex = 0; }
      form.elements.subject.value = "RE : " + ev.title;
      form.elements.body.value = "";
      form.elements.body.focus();
    }
  }

  function handle(ev) {
    if (ev.type === "snapshot") { ev.events.forEach(handle); return; }
    if (ev.type === "pong") { return; }
    if (ev.type === "clock") { ev.localMs = Date.now(); clock = ev; renderClock(); return; }
    if (ev.type !== "receipt" && ev.type !== "held") {
      var key = ev.type + ":" + ev.id;
      if (seen[key]) { return; }
      seen[key] = true;
    }
    if (ev.type === "stimulus" && learnStory && ev.story_time) {
      storyPoints.push([ev.offset || 0, ev.story_time]);
      storyPoints.sort(function (a, b) { return toSeconds(a[0]) - toSeconds(b[0]); });
      renderClock();
    }
    var render = (renderers[page] || {})[ev.type];
    if (render) { render(ev); }
  }

  function poll() {
    fetch(feedUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (data) {
      data.events.forEach(handle);
    }).catch(function () {});
  }
  function startPolling() {
    if (pollTimer) { return; }
    setStatus("actualisation périodique", "warning");
    poll();
    pollTimer = setInterval(poll, 5000);
  }
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try { socket = new WebSocket(scheme + location.host + "/ws/exercices/" + root.dataset.exercise + "/"); }
    catch (e) { startPolling(); return; }
    socket.onopen = function () {
      attempts = 0; setStatus("en direct", "success");
      if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
    };
    socket.onmessage = function (message) { handle(JSON.parse(message.data)); };
    socket.onclose = function () {
      attempts += 1;
      setStatus("reconnexion…", "warning");
      if (attempts >= 3) { startPolling(); }
      // spread out: after a worker restart its thousands of clients must not all come back at the same instant
      setTimeout(connect, Math.min(30000, 1000 * Math.pow(2, attempts)) * (0.5 + Math.random()));
    };
  }

  document.querySelectorAll("form[data-live-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      var params = {};
      data.forEach(function (value, key) { if (key !== "csrfmiddlewaretoken") { params[key] = value; } });
      var error = form.querySelector("[data-error]");
      post(params).then(function () {
        if (error) { error.textContent = ""; }
        form.querySelectorAll("textarea, input[type=text]").forEach(function (f) { f.value = ""; });
        if (form.id === "reply-form") { form.hidden = true; }
        if (!pollTimer) { return; }
        poll();
      }).catch(function (e) { if (error) { error.textContent = e.message; } });
    });
  });
  document.querySelectorAll("input[data-rate]").forEach(function (input) {
    input.addEventListener("change", function () {
      post({action: "rate", criterion: input.dataset.rate, value: input.value}).then(function () {
        var saved = document.getElementById("saved-" + input.dataset.rate);
        if (saved) { saved.textContent = "enregistré"; }
      });
    });
  });
  connect();
})();
