/* Live exercise pages (console, crisis cell, observers): one WebSocket, a snapshot on every (re)connection,
   events deduplicated by id, and periodic polling of the same snapshot when no live connection can be made.
   Close codes 4401 (logged out), 4403 (no longer a member) and 4404 (no access) end the page's live link. */
(function () {
  "use strict";
  var root = document.querySelector("[data-live]");
  if (!root) { return; }
  var page = root.dataset.live;
  var exerciseId = root.dataset.exercise;
  var feedUrl = root.dataset.feed;
  var actionUrl = root.dataset.action;
  var storyPoints = JSON.parse(root.dataset.story || "[]");
  // the console knows the whole chronogramme; the crisis cell and the observers only learn the simulated time from
  // the stimuli that have reached them (the timing of the ones to come stays hidden)
  var learnStory = !root.dataset.story;
  var myRoles = (root.dataset.roles || "").split(",").filter(Boolean);
  var roleLabels = JSON.parse(root.dataset.roleLabels || "{}");
  var actorLabels = {};
  var actorsNode = document.getElementById("actor-labels");
  if (actorsNode) { JSON.parse(actorsNode.textContent).forEach(function (a) { actorLabels[a.id] = a.label; }); }
  var csrf = (document.querySelector("[name=csrfmiddlewaretoken]") || {}).value;
  var seen = {};
  var clock = null;
  var attempts = 0;
  var pollTimer = null;
  var socket = null;
  var finished = false;      // access ended: no reconnection
  var replaying = false;     // handling a snapshot: no alert for what was already there
  var status = document.getElementById("live-status");
  var TARGETS = {email: "mailbox", phone: "phone", sms: "phone", press: "feed", social: "feed", broadcast: "feed",
    letter: "letters", handout: "letters", verbal: "letters"};
  var PANEL_LABELS = {mailbox: "Messagerie", phone: "Téléphone et SMS", feed: "Presse et réseaux",
    letters: "Courriers et documents"};

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
    var p = String(text).split(":"); return (+p[0]) * 3600 + (+p[1]) * 60 + (+(p[2] || 0));
  }
  function pad(v) { return (v < 10 ? "0" : "") + v; }
  // « J 09:15 » + elapsed exercise time since that story point, never past the next one
  function storyAt(offset) {
    var best = null, next = null;
    storyPoints.forEach(function (p) {
      var at = toSeconds(p[0]);
      if (at <= offset && (!best || at >= toSeconds(best[0]))) { best = p; }
      if (at > offset && (!next || at < toSeconds(next[0]))) { next = p; }
    });
    if (!best) { return ""; }
    var match = /^(.*?)(\d{1,2}):(\d{2})$/.exec(best[1]);
    if (!match) { return best[1]; }
    var minutes = (+match[2]) * 60 + (+match[3]) + Math.floor((offset - toSeconds(best[0])) / 60);
    if (next) {
      var nm = /^(.*?)(\d{1,2}):(\d{2})$/.exec(next[1]);
      if (nm && nm[1] === match[1]) { minutes = Math.min(minutes, (+nm[2]) * 60 + (+nm[3])); }
    }
    minutes = Math.min(minutes, 23 * 60 + 59);
    return match[1] + pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60);
  }
  function nowOffset() {
    if (!clock) { return 0; }
    return clock.offset + (clock.running ? (Date.now() - clock.localMs) / 1000 * clock.speed : 0);
  }
  function post(data) {
    var body = new URLSearchParams(data);
    return fetch(actionUrl, {method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": csrf, "Accept": "application/json"}}).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (json) {
        if (!r.ok) { throw new Error(json.error || "L'action n'a pas pu être enregistrée."); } return json;
      });
    });
  }
  function setStatus(text, kind) {
    if (status) { status.textContent = text; status.className = "fr-badge fr-badge--sm fr-badge--" + kind; }
  }
  function readKey(kind, id) { return "care-read-" + exerciseId + "-" + kind + "-" + id; }
  function store(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* private mode */ } }
  function stored(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }

  // --- clock ------------------------------------------------------------------------------------------------
  function renderClock() {
    var box = document.getElementById("clock");
    if (!box || !clock) { return; }
    var offset = nowOffset();
    box.querySelector("[data-clock=exercise]").textContent = fmt(offset);
    box.querySelector("[data-clock=story]").textContent = storyAt(offset) || "—";
    box.querySelector("[data-clock=state]").textContent = clock.ended ? "exercice terminé" :
      (clock.running ? "en cours" + (clock.speed !== 1 ? " ×" + clock.speed : "") : "en pause");
  }
  setInterval(renderClock, 500);
  function onEnded() {
    root.querySelectorAll("[data-item-actions]").forEach(function (n) { n.remove(); });
    var notice = document.getElementById("ended-notice");
    if (notice) { notice.hidden = false; }
    if (page === "cell") {
      root.querySelectorAll("form[data-live-form] button, form[data-live-form] textarea, form[data-live-form] input, " +
        "form[data-live-form] select, [data-new-mail]").forEach(function (n) { n.disabled = true; });
    }
  }

  // --- alerts and counters (crisis cell) -------------------------------------------------------------------
  var audio = null;
  var sound = document.getElementById("sound-toggle");
  if (sound) {
    sound.checked = stored("care-sound") === "1";
    sound.addEventListener("change", function () { store("care-sound", sound.checked ? "1" : "0"); });
  }
  function beep() {
    if (!sound || !sound.checked) { return; }
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = 880; gain.gain.value = 0.08;
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + 0.25);
    } catch (e) { /* no audio */ }
  }
  function panelOf(node) { return node.closest(".fr-tabs__panel"); }
  function updateCounts() {
    document.querySelectorAll("[data-count-for]").forEach(function (badge) {
      var panel = document.getElementById(badge.dataset.countFor);
      var count = panel ? panel.querySelectorAll("[data-folder-box=inbox] .care-unread, #phone .care-unread, " +
        "#feed .care-unread, #letters .care-unread").length : 0;
      badge.textContent = count;
      badge.hidden = count === 0;
      badge.setAttribute("aria-label", count + " non lu(s)");
    });
  }
  function alertNew(box, title) {
    if (replaying) { return; }
    var live = document.getElementById("live-announce");
    var where = PANEL_LABELS[box.id] || "";
    if (live) { live.textContent = "Nouveau dans " + where + " : " + title; }
    beep();
    var panel = panelOf(box);
    var banner = document.getElementById("new-alert");
    if (!banner || !panel || panel.classList.contains("fr-tabs__panel--selected")) { return; }
    banner.querySelector("[data-alert-text]").textContent = "Nouveau dans « " + where + " » : " + title;
    banner.dataset.tab = panel.getAttribute("aria-labelledby");
    banner.hidden = false;
  }
  var banner = document.getElementById("new-alert");
  if (banner) {
    banner.querySelector("[data-alert-go]").addEventListener("click", function () {
      var tab = document.getElementById(banner.dataset.tab);
      if (tab) { tab.click(); }
      banner.hidden = true;
    });
    banner.querySelector("[data-alert-close]").addEventListener("click", function () { banner.hidden = true; });
  }
  document.querySelectorAll(".fr-tabs__tab").forEach(function (tab) {
    tab.addEventListener("click", function () {
      if (banner && banner.dataset.tab === tab.id) { banner.hidden = true; }
    });
  });

  // --- items --------------------------------------------------------------------------------------------
  function insertByOffset(box, node) {
    var empty = box.querySelector("[data-empty]");
    if (empty) { empty.remove(); }
    var offset = +node.dataset.offset;
    var children = box.querySelectorAll(":scope > [data-offset]");
    for (var i = 0; i < children.length; i++) {
      if (+children[i].dataset.offset < offset) { box.insertBefore(node, children[i]); return; }
    }
    box.appendChild(node);
  }
  function timeLine(offset, storyTime) {
    var line = el("span", {"class": "care-when"});
    line.appendChild(el("strong", {"data-testid": "story-time"}, storyTime || storyAt(offset) || "—"));
    line.appendChild(el("span", {"class": "care-time-exercise", "title": "temps d'exercice"}, " · " + fmt(offset)));
    return line;
  }
  function attachmentsOf(ev, container) {
    (ev.attachments || []).forEach(function (a) {
      var open = el("button", {"type": "button", "class": "fr-btn fr-btn--sm fr-btn--tertiary fr-icon-file-line fr-btn--icon-left",
        "aria-expanded": "false", "data-testid": "open-attachment"}, "Pièce jointe : " + a.name);
      var doc = el("div", {"class": "care-doc", "hidden": "", "data-testid": "attachment"}, a.content);
      open.addEventListener("click", function () {
        doc.hidden = !doc.hidden; open.setAttribute("aria-expanded", String(!doc.hidden));
      });
      container.appendChild(open); container.appendChild(doc);
    });
  }
  function stimulusBody(ev) {
    var body;
    if (ev.channel === "press") {
      body = el("div", {"class": "care-press", "data-testid": "press-article"});
      body.appendChild(el("p", {"class": "care-press__masthead"}, ev.sender_label));
      body.appendChild(el("p", {"class": "care-press__title"}, ev.title));
    } else if (ev.channel === "social") {
      body = el("div", {"class": "care-social", "data-testid": "social-post"});
      body.appendChild(el("span", {"class": "care-social__avatar", "aria-hidden": "true"}, (ev.sender_label || "?").charAt(0)));
      var right = el("div"); right.appendChild(el("strong", {}, ev.sender_label)); body.appendChild(right);
    } else if (ev.channel === "broadcast") {
      body = el("div", {"class": "care-broadcast", "data-testid": "broadcast"});
      body.appendChild(el("p", {"class": "care-broadcast__banner fr-mb-0"}, "Flash spécial · " + ev.sender_label));
    } else {
      body = el("div");
    }
    var prose = el("div", {"class": "care-prose" + (ev.channel === "broadcast" ? " care-broadcast__body" : "")});
    prose.innerHTML = ev.html;  // rendered server-side from Markdown with raw HTML disabled
    (ev.channel === "social" ? body.lastChild : body).appendChild(prose);
    attachmentsOf(ev, body);
    return body;
  }
  // an item of a list: a heading that opens it in place; « lu » is recorded when it is opened
  function item(opts) {
    var node = el("article", {"class": "care-live-item care-item", "data-offset": opts.offset || 0,
      "data-testid": opts.testid});
    if (opts.deliveryId) { node.dataset.delivery = opts.deliveryId; }
    var head = el("button", {"type": "button", "class": "care-item__head", "aria-expanded": "false",
      "data-testid": "open-item"});
    var meta = el("span", {"class": "care-mail-meta"});
    meta.appendChild(el("span", {}, opts.meta));
    meta.appendChild(timeLine(opts.offset || 0, opts.storyTime));
    head.appendChild(meta);
    head.appendChild(el("span", {"class": "care-item__title fr-text--lg"}, opts.title));
    node.appendChild(head);
    var body = el("div", {"class": "care-item__body", "hidden": ""});
    node.appendChild(body);
    var filled = false;
    if (opts.unread) { node.classList.add("care-unread"); }
    head.addEventListener("click", function () {
      if (!filled) { opts.fill(body); filled = true; }
      body.hidden = !body.hidden;
      head.setAttribute("aria-expanded", String(!body.hidden));
      if (!body.hidden && node.classList.contains("care-unread")) {
        node.classList.remove("care-unread");
        updateCounts();
        if (opts.onOpen) { opts.onOpen(); }
      }
    });
    return node;
  }

  function cellStimulus(ev) {
    var box = document.getElementById(TARGETS[ev.channel] || "letters");
    if (!box) { return; }
    var wasRead = ev.read || stored(readKey("d", ev.id)) === "1";
    var node = item({
      offset: ev.offset, storyTime: ev.story_time, title: ev.title, deliveryId: ev.id, testid: "live-stimulus",
      meta: ev.channel_label + " · " + ev.sender_label + (ev.late ? " · en retard" : ""), unread: !wasRead,
      onOpen: function () {
        store(readKey("d", ev.id), "1");
        post({action: "read", delivery: ev.id}).catch(function () {});
      },
      fill: function (body) {
        body.appendChild(stimulusBody(ev));
        if (clock && clock.ended) { return; }  // FINEX: nothing more to acknowledge or send
        var actions = el("div", {"class": "fr-btns-group fr-btns-group--inline-sm fr-btns-group--sm fr-mt-1w",
          "data-item-actions": ""});
        var ack = el("button", {"class": "fr-btn fr-btn--secondary fr-btn--sm", "type": "button", "data-testid": "ack"},
          "Accuser réception");
        ack.addEventListener("click", function () {
          post({action: "ack", delivery: ev.id}).then(function () { ack.textContent = "Reçu"; ack.disabled = true; })
            .catch(function (e) { ack.textContent = e.message; });
        });
        actions.appendChild(ack);
        if (ev.channel === "email") {
          var reply = el("button", {"class": "fr-btn fr-btn--tertiary fr-btn--sm", "type": "button",
            "data-testid": "reply"}, "Répondre");
          reply.addEventListener("click", function () { openReply(ev, "reply"); });
          actions.appendChild(reply);
        }
        var forward = el("button", {"class": "fr-btn fr-btn--tertiary fr-btn--sm", "type": "button",
          "data-testid": "forward"}, "Transférer");
        forward.addEventListener("click", function () { openReply(ev, "forward"); });
        actions.appendChild(forward);
        body.appendChild(actions);
      }
    });
    insertByOffset(box, node);
    updateCounts();
    if (!wasRead) { alertNew(box, ev.title); }
  }

  function cellMessage(ev) {
    var toMe = ev.from_actor || (!ev.to_actor && (ev.to_roles || []).some(function (r) {
      return r === "cellule" || myRoles.indexOf(r) >= 0; }) && ev.author !== root.dataset.member);
    if (toMe) {
      var box = document.getElementById(ev.from_actor && ev.channel === "phone" ? "phone" : "mailbox");
      var wasRead = stored(readKey("m", ev.id)) === "1";
      var node = item({
        offset: ev.offset, title: ev.subject, testid: "live-message", unread: !wasRead,
        meta: (ev.channel === "phone" ? "Appel · " : "Courriel · ") + "de " + ev.author +
          (ev.from_actor ? "" : " (cellule)"),
        onOpen: function () { store(readKey("m", ev.id), "1"); },
        fill: function (body) { body.appendChild(el("p", {"class": "care-pre"}, ev.body)); }
      });
      insertByOffset(box, node);
      updateCounts();
      if (!wasRead) { alertNew(box, ev.subject); }
      return;
    }
    var sent = document.getElementById("sent");
    if (!sent) { return; }
    var to = ev.to_actor ? (actorLabels[ev.to_actor] || ev.to_actor) :
      (ev.to_roles || []).map(function (r) { return roleLabels[r] || r; }).join(", ");
    var out = item({offset: ev.offset, title: ev.subject, testid: "sent-message",
      meta: "À " + to + " · par " + ev.author,
      fill: function (body) { body.appendChild(el("p", {"class": "care-pre"}, ev.body)); }});
    insertByOffset(sent, out);
  }

  // --- console -------------------------------------------------------------------------------------------
  var receipts = {};
  var renderers = {
    cell: {stimulus: cellStimulus, message: cellMessage, log: logLine},
    console: {
      stimulus: function (ev) {
        var row = document.querySelector("[data-delivery-row='" + ev.id + "']");
        if (row) {
          row.querySelector("[data-col=status]").textContent = "envoyé à " + fmt(ev.offset) + (ev.late ? " (en retard)" : "");
          row.classList.add("care-sent");
          row.querySelectorAll("[data-pending-only]").forEach(function (n) { n.remove(); });
          var flag = row.querySelector("[data-col=recipients] .fr-badge--warning");
          if (flag && row.dataset.nobody) { flag.textContent = "n'a atteint personne"; }
        }
      },
      receipt: function (ev) {
        var cell = document.querySelector("[data-delivery-row='" + ev.id + "'] [data-col=receipts]");
        if (!cell) { return; }
        var byMember = receipts[ev.id] = receipts[ev.id] || {};
        byMember[ev.member] = ev.ack ? "reçu" : "lu";
        cell.textContent = Object.keys(byMember).map(function (m) { return byMember[m] + " par " + m; }).join(", ");
      },
      held: function (ev) {
        var row = document.querySelector("[data-delivery-row='" + ev.id + "'] [data-col=status]");
        if (row) { row.textContent = "retenu : à confirmer"; }
      },
      skipped: function (ev) {
        (ev.ids || []).forEach(function (id) {
          var row = document.querySelector("[data-delivery-row='" + id + "'] [data-col=status]");
          if (row) { row.textContent = "non joué"; }
        });
      },
      rerouted: function (ev) {
        var row = document.querySelector("[data-delivery-row='" + ev.id + "']");
        if (!row) { return; }
        row.dataset.nobody = ""; row.classList.remove("care-nobody");
        var flag = row.querySelector("[data-col=recipients] .fr-badge--warning");
        if (flag) { flag.textContent = "réorienté vers " + ev.recipients.join(", "); flag.className = "fr-badge fr-badge--sm fr-badge--info"; }
      },
      message: function (ev) {
        var answered = ev.reply_to && !ev.from_actor &&
          document.querySelector("[data-delivery-row='" + ev.reply_to + "'] [data-col=answered]");
        if (answered) { answered.textContent = "répondu par " + ev.author; }
        var list = document.getElementById("inbox");
        if (!list) { return; }
        var line = el("li", {"data-testid": "inbox-message", "data-offset": ev.offset || 0});
        line.textContent = fmt(ev.offset) + " · " + (ev.from_actor ? ev.from_actor + " → " + ev.to_roles.join(", ")
          : ev.author + " → " + (ev.to_actor || ev.to_roles.join(", "))) + " · " + ev.subject + " : " + ev.body;
        insertByOffset(list, line);
      },
      log: logLine
    },
    observe: {
      stimulus: function (ev) {
        var card = el("article", {"class": "care-live-item", "data-offset": ev.offset || 0, "data-testid": "live-stimulus"});
        var head = el("p", {"class": "fr-text--sm fr-mb-1v"});
        head.appendChild(timeLine(ev.offset || 0, ev.story_time));
        head.appendChild(document.createTextNode(" · " + ev.code + " · " + ev.channel_label + " · " + ev.sender_label));
        card.appendChild(head);
        card.appendChild(el("h3", {"class": "fr-h6 fr-mb-1v"}, ev.title));
        card.appendChild(stimulusBody(ev));
        insertByOffset(document.getElementById("feed"), card);
        var select = document.getElementById("obs-delivery");
        if (select && !select.querySelector("option[value='" + ev.id + "']")) {
          select.appendChild(el("option", {"value": ev.id}, ev.code + " – " + ev.title));
        }
      },
      log: logLine
    }
  };

  var STATUS_LABELS = {todo: "à faire", doing: "en cours", done: "fait"};
  function logLine(ev) {
    var list = document.getElementById(ev.team ? "team-log" : "crisis-log");
    if (!list) { return; }
    var existing = list.querySelector("[data-log='" + ev.id + "']");
    var line = el("li", {"data-testid": "log-entry", "data-log": ev.id, "data-offset": ev.offset || 0});
    var label = {entry: "Info", decision: "Décision", action: "Action"}[ev.kind] || ev.kind;
    line.appendChild(timeLine(ev.offset || 0));
    line.appendChild(document.createTextNode(" · " + label + " · " + ev.text + (ev.owner ? " (resp. " + ev.owner + ")" : "") +
      (ev.rationale ? " — motif : " + ev.rationale : "") + (ev.author ? " — " + ev.author : "")));
    if (ev.kind === "action") {
      if (page === "cell") {
        var select = el("select", {"class": "fr-select fr-select--sm care-inline", "aria-label": "État de l'action"});
        Object.keys(STATUS_LABELS).forEach(function (k) {
          var option = el("option", {"value": k}, STATUS_LABELS[k]); if (k === ev.status) { option.selected = true; }
          select.appendChild(option);
        });
        select.addEventListener("change", function () {
          post({action: "action_status", entry: ev.id, status: select.value}).catch(function (e) { alert(e.message); });
        });
        line.appendChild(document.createTextNode(" "));
        line.appendChild(select);
      } else {
        line.appendChild(el("span", {"class": "fr-badge fr-badge--sm fr-ml-1w"}, STATUS_LABELS[ev.status] || ev.status));
      }
    }
    if (existing) { list.replaceChild(line, existing); return; }
    list.appendChild(line);
  }

  // --- reply and forward -----------------------------------------------------------------------------------
  function openReply(ev, mode) {
    var form = document.getElementById("reply-form");
    if (!form) { return; }
    document.getElementById("tab-mail").click();
    var to = form.elements.to;
    form.hidden = false;
    form.elements.delivery.value = ev ? ev.id : "";
    if (mode === "forward") {
      to.selectedIndex = 0;
      form.elements.subject.value = "TR : " + ev.title;
      var text = (function () { var d = document.createElement("div"); d.innerHTML = ev.html; return d.textContent; })();
      form.elements.body.value = "\n\n---- Message transféré ----\nDe : " + (ev.sender_label || ev.sender) + "\nObjet : " +
        ev.title + "\n\n" + text.trim();
      to.focus();
    } else if (mode === "reply") {
      to.value = "actor:" + ev.sender;
      if (to.value !== "actor:" + ev.sender) { to.selectedIndex = 0; }
      form.elements.subject.value = "RE : " + ev.title;
      form.elements.body.value = "";
      form.elements.body.focus();
    } else {
      form.elements.subject.value = ""; form.elements.body.value = ""; to.focus();
    }
  }
  var newMail = document.querySelector("[data-new-mail]");
  if (newMail) { newMail.addEventListener("click", function () { openReply(null, "new"); }); }
  var cancelReply = document.querySelector("[data-cancel-reply]");
  if (cancelReply) { cancelReply.addEventListener("click", function () { document.getElementById("reply-form").hidden = true; }); }
  document.querySelectorAll("[data-folder]").forEach(function (button) {
    button.addEventListener("click", function () {
      document.querySelectorAll("[data-folder]").forEach(function (b) {
        var on = b === button;
        b.setAttribute("aria-pressed", String(on));
        b.classList.toggle("fr-btn--secondary", !on);
      });
      document.querySelectorAll("[data-folder-box]").forEach(function (box) {
        box.hidden = box.dataset.folderBox !== button.dataset.folder;
      });
    });
  });

  // --- events ------------------------------------------------------------------------------------------
  function handle(ev) {
    if (ev.type === "snapshot") {
      replaying = true;
      try { ev.events.forEach(handle); } finally { replaying = false; }
      return;
    }
    if (ev.type === "pong") { return; }
    if (ev.type === "clock") {
      ev.localMs = Date.now(); clock = ev; renderClock();
      if (ev.ended) { onEnded(); }
      return;
    }
    if (["receipt", "held", "skipped", "rerouted"].indexOf(ev.type) < 0 && !(ev.type === "log" && ev.update)) {
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
    fetch(feedUrl, {credentials: "same-origin"}).then(function (r) {
      if (r.status === 404 || r.status === 403) { endAccess(); throw new Error("gone"); }
      return r.json();
    }).then(function (data) { data.events.forEach(handle); }).catch(function () {});
  }
  function startPolling() {
    if (pollTimer || finished) { return; }
    setStatus("actualisation périodique", "warning");
    poll();
    pollTimer = setInterval(poll, 5000);
  }
  function endAccess() {
    finished = true;
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
    setStatus("accès terminé", "error");
    var box = document.getElementById("live-announce");
    if (box) { box.textContent = "Vous n'avez plus accès au direct de cet exercice."; }
  }
  function connect() {
    if (finished) { return; }
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    try { socket = new WebSocket(scheme + location.host + "/ws/exercices/" + exerciseId + "/"); }
    catch (e) { startPolling(); return; }
    socket.onopen = function () {
      attempts = 0; setStatus("en direct", "success");
      if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
    };
    socket.onmessage = function (message) { handle(JSON.parse(message.data)); };
    socket.onclose = function (event) {
      if (event.code === 4401 || event.code === 4403 || event.code === 4404) { endAccess(); return; }
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
      post(params).then(function (json) {
        if (error) { error.textContent = ""; }
        form.querySelectorAll("textarea, input[type=text]").forEach(function (f) { f.value = ""; });
        if (form.id === "reply-form") { form.hidden = true; }
        if (json.observation) { addObservation(json.observation); }
        if (pollTimer) { poll(); }
      }).catch(function (e) { if (error) { error.textContent = e.message; } });
    });
  });
  function addObservation(o) {
    var list = document.getElementById("observations");
    if (!list) { return; }
    var empty = list.querySelector("[data-empty]"); if (empty) { empty.remove(); }
    var line = el("li", {"data-testid": "observation"});
    line.appendChild(timeLine(o.offset || 0));
    line.appendChild(document.createTextNode(" · " + (o.criterion ? o.criterion + " · " : "") +
      (o.delivery ? o.delivery + " · " : "") + o.text));
    list.insertBefore(line, list.firstChild);
  }
  document.querySelectorAll("input[data-rate]").forEach(function (input) {
    input.addEventListener("change", function () {
      var saved = document.getElementById("saved-" + input.dataset.rate);
      post({action: "rate", criterion: input.dataset.rate, value: input.value}).then(function () {
        if (saved) { saved.textContent = "enregistré"; }
      }).catch(function (e) { if (saved) { saved.textContent = e.message; } });
    });
  });
  updateCounts();
  connect();
})();
