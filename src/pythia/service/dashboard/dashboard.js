/* Pythia dashboard: one running session, read over the REST API and the /ws WebSocket.
 *
 * The token comes from the URL fragment (#token=..., removed from the address bar at once)
 * or the sign-in form, and lives in sessionStorage. Every text from the server goes into
 * the page through textContent: nothing here builds HTML from data.
 */
(function () {
  "use strict";

  var TOKEN_KEY = "pythia.token";
  var READONLY_KEY = "pythia.readonly";
  var POLL_MS = 2000;
  var MAX_FILLS = 100;
  var BACKOFF_MIN_MS = 1000;
  var BACKOFF_MAX_MS = 30000;
  var WS_UNAUTHORIZED = 4401;
  var CONFIRM = {
    flatten: "Flatten: cancel every order and close every position at market?",
    kill: "Kill: cancel every order and stop trading until an operator resumes?"
  };
  var MODE_OF_COMMAND = {
    pause: "paused",
    resume: "normal",
    reduce: "reduce_only",
    flatten: "flatten",
    kill: "killed"
  };

  var charts = window.PythiaCharts;
  var tables = window.PythiaTables;
  var node = tables.node;
  var cell = tables.cell;
  var fillBody = tables.fillBody;
  var time = tables.time;
  var signed = tables.signed;
  var money = tables.money;
  var app = {
    token: null,
    readOnly: false,
    ws: null,
    wsLive: false,
    backoffMs: BACKOFF_MIN_MS,
    reconnectTimer: null,
    pollTimer: null,
    polling: false,
    pollOk: false,
    fills: [],
    fillKeys: new Set(),
    opportunities: new Map(),
    state: null,
    curveKey: "",
    dirty: new Set(),
    frame: 0,
    noticeTimer: null,
    signedOut: false
  };

  function $(id) {
    return document.getElementById(id);
  }

  // ---- notices ---------------------------------------------------------------------------------
  function notice(message, level, sticky) {
    var box = $("notice");
    box.textContent = message;
    box.className = "notice notice-" + (level || "info");
    box.hidden = false;
    clearTimeout(app.noticeTimer);
    if (!sticky) {
      app.noticeTimer = setTimeout(function () {
        box.hidden = true;
      }, 8000);
    }
  }

  // ---- token and sign-in -----------------------------------------------------------------------
  function tokenFromFragment() {
    var hash = window.location.hash || "";
    if (hash.length < 2) {
      return null;
    }
    var params = new URLSearchParams(hash.slice(1));
    var token = params.get("token");
    history.replaceState(null, "", window.location.pathname + window.location.search);
    return token;
  }

  function showLogin(error) {
    $("app").hidden = true;
    $("status").hidden = true;
    $("controls").hidden = true;
    $("sign-out").hidden = true;
    $("login").hidden = false;
    var message = $("login-error");
    message.textContent = error || "";
    message.hidden = !error;
    $("token-input").value = "";
    $("token-input").focus();
  }

  function signOut(error) {
    app.signedOut = true;
    app.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(READONLY_KEY);
    stopLive();
    setConnection("off");
    showLogin(error);
  }

  function signIn(token) {
    app.token = token;
    app.signedOut = false;
    sessionStorage.setItem(TOKEN_KEY, token);
    app.readOnly = sessionStorage.getItem(READONLY_KEY) === "1";
    $("login").hidden = true;
    $("app").hidden = false;
    $("status").hidden = false;
    $("controls").hidden = false;
    $("sign-out").hidden = false;
    applyReadOnly();
    refresh();
    connect();
    app.pollTimer = setInterval(refresh, POLL_MS);
  }

  function stopLive() {
    clearInterval(app.pollTimer);
    clearTimeout(app.reconnectTimer);
    app.pollTimer = null;
    if (app.ws) {
      var socket = app.ws;
      app.ws = null;
      socket.onclose = null;
      socket.close();
    }
    app.wsLive = false;
  }

  // ---- REST ------------------------------------------------------------------------------------
  function request(method, path, body) {
    var init = {
      method: method,
      headers: { Authorization: "Bearer " + app.token },
      cache: "no-store"
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (response) {
      if (response.status === 401) {
        signOut("The server refused this token.");
        throw new Error("unauthorized");
      }
      return response.json().catch(function () {
        return {};
      }).then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }

  function refresh() {
    if (app.polling || !app.token) {
      return;
    }
    app.polling = true;
    request("GET", "/api/state").then(function (reply) {
      if (reply.status === 200) {
        app.pollOk = true;
        applyState(reply.data, false);
      }
    }).catch(function () {
      app.pollOk = false;
    }).then(function () {
      app.polling = false;
      setConnection(app.wsLive ? "live" : app.pollOk ? "poll" : "off");
    });
  }

  // ---- WebSocket -------------------------------------------------------------------------------
  function connect() {
    if (!app.token || app.ws) {
      return;
    }
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try {
      socket = new WebSocket(scheme + window.location.host + "/ws");
    } catch (error) {
      scheduleReconnect();
      return;
    }
    app.ws = socket;
    socket.onopen = function () {
      socket.send(JSON.stringify({ token: app.token }));
    };
    socket.onmessage = function (message) {
      var event;
      try {
        event = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      onEvent(event);
    };
    socket.onclose = function (close) {
      app.ws = null;
      app.wsLive = false;
      setConnection(app.pollOk ? "poll" : "off");
      if (close.code === WS_UNAUTHORIZED) {
        signOut("The server refused this token.");
        return;
      }
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    if (app.signedOut) {
      return;
    }
    clearTimeout(app.reconnectTimer);
    var delay = app.backoffMs * (0.75 + Math.random() * 0.5);
    app.backoffMs = Math.min(BACKOFF_MAX_MS, app.backoffMs * 2);
    app.reconnectTimer = setTimeout(connect, delay);
  }

  function setConnection(kind) {
    var badge = $("conn");
    var labels = { live: "live", poll: "polling", off: "offline" };
    badge.textContent = labels[kind];
    badge.className = "conn conn-" + kind;
    badge.title = kind === "live" ? "Live over the WebSocket" :
      kind === "poll" ? "WebSocket down: polling every 2 s" : "Not connected";
  }

  function onEvent(event) {
    switch (event.kind) {
      case "hello":
        app.wsLive = true;
        app.backoffMs = BACKOFF_MIN_MS;
        setConnection("live");
        applyState(event.state, true);
        break;
      case "fill":
        addFills([event], true);
        break;
      case "mode_change":
        setMode(event.mode, event.reason);
        notice(
          "Mode " + (event.previous || "?") + " → " + event.mode +
            (event.source ? " (" + event.source + (event.reason ? ": " + event.reason : "") + ")" : ""),
          event.mode === "normal" ? "info" : "warn"
        );
        break;
      case "breaker":
        notice("Breaker " + (event.name || "") + ": " + (event.reason || "") + " → " +
          (event.mode || ""), "error", true);
        break;
      case "opportunity":
        app.opportunities.set(opportunityKey(event), event);
        schedule("opportunities");
        break;
      case "feed":
        updateFeed(event);
        break;
      case "status":
        if (app.state) {
          app.state.health.status = event.status;
          app.state.health.error = event.error;
        }
        schedule("health");
        break;
      default:
        break; // "lagged" and unknown kinds: the next poll brings everything back
    }
  }

  // ---- state -----------------------------------------------------------------------------------
  function applyState(state, fromHello) {
    if (!state || !state.health) {
      return;
    }
    app.state = state;
    if (fromHello) {
      app.fills = [];
      app.fillKeys = new Set();
    }
    addFills((state.fills || []).slice().reverse(), false);
    app.opportunities = new Map();
    (state.opportunities || []).forEach(function (row) {
      app.opportunities.set(opportunityKey(row), row);
    });
    ["health", "pnl", "positions", "balances", "orders", "risk", "strategies",
      "opportunities", "fills"].forEach(schedule);
    $("updated").textContent = "Updated " + new Date().toLocaleTimeString() + ".";
  }

  function fillKey(fill) {
    return [fill.client_order_id, fill.trade_id, fill.ts_ns, fill.size].join("|");
  }

  /** Add fills given oldest first; the list is kept newest first and capped. */
  function addFills(fills, live) {
    var added = false;
    fills.forEach(function (fill) {
      var key = fillKey(fill);
      if (app.fillKeys.has(key)) {
        return;
      }
      app.fillKeys.add(key);
      app.fills.unshift(fill);
      added = true;
    });
    if (!added) {
      return;
    }
    app.fills.sort(function (a, b) {
      return Number(b.ts_ns) - Number(a.ts_ns);
    });
    while (app.fills.length > MAX_FILLS) {
      app.fillKeys.delete(fillKey(app.fills.pop()));
    }
    schedule("fills");
    if (live) {
      flash($("fills"));
    }
  }

  function flash(element) {
    element.classList.remove("flash");
    void element.offsetWidth; // restart the animation
    element.classList.add("flash");
  }

  function opportunityKey(row) {
    return (row.strategy || "") + "|" + (row.group || "");
  }

  function schedule(part) {
    app.dirty.add(part);
    if (!app.frame) {
      app.frame = requestAnimationFrame(render);
    }
  }

  function render() {
    app.frame = 0;
    var parts = app.dirty;
    app.dirty = new Set();
    var state = app.state;
    if (!state) {
      return;
    }
    if (parts.has("health")) { renderHealth(state.health); }
    if (parts.has("pnl")) { renderPnl(state.pnl, state.open_orders || []); }
    if (parts.has("positions")) { tables.positions(state.positions || []); }
    if (parts.has("balances")) { tables.balances(state.balances || []); }
    if (parts.has("orders")) { tables.orders(state.open_orders || []); }
    if (parts.has("risk")) { tables.risk(state.risk || {}); }
    if (parts.has("strategies")) { tables.strategies(state.strategies || [], app.readOnly); }
    if (parts.has("opportunities")) { tables.opportunities(Array.from(app.opportunities.values())); }
    if (parts.has("fills")) { tables.fills(app.fills); }
  }

  // ---- header ----------------------------------------------------------------------------------
  function setMode(mode, reason) {
    var badge = $("mode");
    var value = mode || "unknown";
    badge.textContent = value.replace("_", "-");
    badge.dataset.mode = value;
    badge.className = "badge mode-" + value;
    $("mode-reason").textContent = reason ? reason : "";
    Object.keys(MODE_OF_COMMAND).forEach(function (command) {
      var button = $("btn-" + command);
      button.classList.toggle("active", MODE_OF_COMMAND[command] === value);
    });
    if (app.state) {
      app.state.health.mode = value;
      app.state.health.mode_reason = reason || "";
      if (app.state.risk) {
        app.state.risk.mode = value;
        app.state.risk.reason = reason || "";
      }
    }
  }

  function renderHealth(health) {
    var status = health.status || "unknown";
    var runStatus = $("run-status");
    runStatus.textContent = (health.run_mode || "") + " · " + status;
    runStatus.className = "run-status status-" + status;
    runStatus.title = health.error || "";
    setMode(health.mode, health.mode_reason);
    $("stat-events").textContent = charts.formatValue(health.events || 0, 0);
    var books = health.books || { total: 0, synced: 0 };
    var booksBox = $("books");
    booksBox.textContent = books.synced + " / " + books.total;
    booksBox.className = "stat-value " + (books.synced < books.total ? "neg" : "");
    booksBox.title = (books.unsynced || []).length ? "Unsynced: " + books.unsynced.join(", ") : "";
    renderFeeds(health.feeds || []);
    if (health.error) {
      notice("Session error: " + health.error, "error", true);
    }
  }

  function renderFeeds(feeds) {
    fillBody("feeds", feeds, function (feed) {
      var status = node("span", "feed-status");
      status.appendChild(node("span", "dot dot-" + (feed.status || "unknown")));
      status.appendChild(document.createTextNode(feed.status || "unknown"));
      if (feed.detail) {
        status.title = feed.detail;
      }
      return [
        cell(feed.venue),
        cell(status),
        cell(feed.lag_ms === null || feed.lag_ms === undefined ? "—" :
          charts.formatValue(feed.lag_ms, 1), "num"),
        cell(charts.formatValue(feed.gaps || 0, 0), "num" + (feed.gaps ? " warn" : "")),
        cell(time(feed.last_event_ns))
      ];
    }, "no feeds yet");
  }

  function updateFeed(event) {
    if (!app.state) {
      return;
    }
    var feeds = app.state.health.feeds || [];
    var found = feeds.filter(function (feed) { return feed.venue === event.venue; })[0];
    if (found) {
      found.status = event.status;
      found.detail = event.detail;
    } else {
      feeds.push({ venue: event.venue, status: event.status, detail: event.detail, gaps: 0 });
    }
    app.state.health.feeds = feeds;
    schedule("health");
    if (event.status !== "up") {
      notice("Feed " + event.venue + " is " + event.status +
        (event.detail ? ": " + event.detail : ""), "warn");
    }
  }

  // ---- PnL and charts --------------------------------------------------------------------------
  function renderPnl(pnl, orders) {
    if (!pnl) {
      return;
    }
    var currency = pnl.currency || "";
    $("stat-equity").textContent = money(pnl.equity, currency);
    $("stat-equity").title = pnl.equity + " " + currency;
    var pnlBox = $("stat-pnl");
    pnlBox.textContent = (Number(pnl.pnl) > 0 ? "+" : "") + money(pnl.pnl, currency);
    pnlBox.title = pnl.pnl + " " + currency;
    pnlBox.className = "stat-value " + signed(pnl.pnl);
    $("stat-exposure").textContent = money(pnl.gross_exposure, currency);
    $("stat-orders").textContent = String(orders.length);
    var curve = pnl.curve || [];
    var last = curve[curve.length - 1] || [];
    var key = curve.length + "|" + last.join(",");
    if (key === app.curveKey) {
      return;
    }
    app.curveKey = key;
    charts.lineChart($("equity-chart"), curve.map(function (p) { return [p[0], p[1]]; }), {
      title: "Equity" + (currency ? " (" + currency + ")" : ""),
      height: 230,
      emptyText: "waiting for the first equity sample"
    });
    charts.lineChart($("pnl-chart"), curve.map(function (p) { return [p[0], p[2]]; }), {
      title: "PnL" + (currency ? " (" + currency + ")" : ""),
      height: 230,
      fill: true,
      zero: true,
      digits: 4,
      emptyText: "waiting for the first PnL sample"
    });
  }

  // ---- controls --------------------------------------------------------------------------------
  function applyReadOnly() {
    var buttons = document.querySelectorAll("#controls button, #strategies button");
    Array.prototype.forEach.call(buttons, function (button) {
      button.disabled = app.readOnly;
      button.title = app.readOnly ? "This token may only read" : "";
    });
    $("controls").classList.toggle("read-only", app.readOnly);
    if (app.readOnly) {
      notice("Read-only token: the controls are disabled. Sign in with the control token to steer.",
        "warn", true);
    }
  }

  function setReadOnly() {
    app.readOnly = true;
    sessionStorage.setItem(READONLY_KEY, "1");
    applyReadOnly();
  }

  function send(path, label, button) {
    if (button) {
      button.disabled = true;
    }
    return request("POST", path, { reason: "dashboard" }).then(function (reply) {
      if (reply.status === 202) {
        notice(label + " queued (request " + (reply.data.request_id || "?") +
          "): the engine applies it before its next event.", "info");
        setTimeout(refresh, 300);
      } else if (reply.status === 403) {
        setReadOnly();
      } else {
        notice(label + " failed: " + (typeof reply.data.detail === "string" ?
          reply.data.detail : "HTTP " + reply.status), "error");
      }
    }).catch(function (error) {
      if (error.message !== "unauthorized") {
        notice(label + " failed: the server is unreachable.", "error");
      }
    }).then(function () {
      if (button) {
        button.disabled = app.readOnly;
      }
    });
  }

  function onControl(event) {
    var button = event.target.closest("button[data-command]");
    if (!button || button.disabled) {
      return;
    }
    var command = button.dataset.command;
    if (CONFIRM[command] && !window.confirm(CONFIRM[command])) {
      return;
    }
    send("/control/" + command, button.textContent, button);
  }

  function onStrategy(event) {
    var button = event.target.closest("button[data-strategy]");
    if (!button || button.disabled) {
      return;
    }
    var id = button.dataset.strategy;
    var command = button.dataset.strategyCommand;
    send("/control/strategies/" + encodeURIComponent(id) + "/" + command,
      (command === "enable" ? "Enable " : "Disable ") + id, button);
  }

  // ---- start -----------------------------------------------------------------------------------
  function start() {
    $("controls").addEventListener("click", onControl);
    $("strategies").addEventListener("click", onStrategy);
    $("sign-out").addEventListener("click", function (event) {
      event.preventDefault();
      signOut("");
    });
    $("login-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var token = $("token-input").value.trim();
      if (token) {
        sessionStorage.removeItem(READONLY_KEY);
        signIn(token);
      }
    });
    var token = tokenFromFragment();
    if (token) {
      sessionStorage.removeItem(READONLY_KEY);
    } else {
      token = sessionStorage.getItem(TOKEN_KEY);
    }
    if (token) {
      signIn(token);
    } else {
      showLogin("");
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
