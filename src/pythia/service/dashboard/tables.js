/* Pythia dashboard tables: text-only DOM helpers and the renderers of the session's tables
 * (positions, balances, orders, fills, opportunities, strategies, risk limits).
 *
 * Loaded before dashboard.js, which reads it as window.PythiaTables. Every text goes into
 * the page through textContent: nothing here builds HTML from data.
 */
(function (global) {
  "use strict";

  var charts = global.PythiaCharts;

  function $(id) {
    return document.getElementById(id);
  }

  // ---- small DOM helpers (text only) ---------------------------------------------------------
  function node(tag, className, content) {
    var element = document.createElement(tag);
    if (className) {
      element.className = className;
    }
    if (content !== undefined && content !== null) {
      element.textContent = String(content);
    }
    return element;
  }

  function cell(content, className) {
    if (content instanceof Node) {
      var td = node("td", className);
      td.appendChild(content);
      return td;
    }
    return node("td", className, content === undefined || content === null ? "" : content);
  }

  function fillBody(tableId, rows, makeCells, emptyText) {
    var table = $(tableId);
    var body = table.tBodies[0];
    var fresh = document.createElement("tbody");
    if (!rows.length) {
      var empty = node("tr", "empty");
      var td = node("td", "muted", emptyText || "none");
      td.colSpan = table.tHead.rows[0].cells.length;
      empty.appendChild(td);
      fresh.appendChild(empty);
    }
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      makeCells(row).forEach(function (td) {
        tr.appendChild(td);
      });
      fresh.appendChild(tr);
    });
    table.replaceChild(fresh, body);
    table.classList.toggle("is-empty", !rows.length);
  }

  function time(tsNs, withMs) {
    return tsNs ? charts.formatTime(tsNs, false, withMs !== false) : "";
  }

  function signed(value) {
    var number = Number(value);
    return number > 0 ? "pos" : number < 0 ? "neg" : "";
  }

  function money(value, currency) {
    if (value === null || value === undefined || value === "") {
      return "—";
    }
    return charts.formatValue(Number(value), 2) + (currency ? " " + currency : "");
  }

  function sideTag(side) {
    return node("span", "side side-" + String(side || "").toLowerCase(), side);
  }

  function short(text, keep) {
    var value = String(text || "");
    return value.length > keep ? "…" + value.slice(value.length - keep + 1) : value;
  }

  // ---- tables ----------------------------------------------------------------------------------
  function renderPositions(rows) {
    $("positions-count").textContent = rows.length ? String(rows.length) : "";
    fillBody("positions", rows, function (row) {
      return [
        cell(row.instrument, "mono"),
        cell(sideTag(row.side)),
        cell(row.size, "num mono"),
        cell(row.mark === null ? "—" : row.mark, "num mono"),
        cell(row.value === null ? "—" : row.value + " " + (row.currency || ""), "num mono")
      ];
    }, "no open positions");
  }

  function renderBalances(rows) {
    fillBody("balances", rows, function (row) {
      return [
        cell(row.currency),
        cell(row.cash, "num mono"),
        cell(row.available, "num mono")
      ];
    }, "no balances");
  }

  function renderOrders(rows) {
    $("orders-count").textContent = rows.length ? String(rows.length) : "";
    fillBody("orders", rows, function (row) {
      var id = cell(short(row.client_order_id, 24), "mono");
      id.title = row.client_order_id;
      return [
        cell(time(row.created_ns)),
        id,
        cell(row.strategy),
        cell(row.instrument, "mono"),
        cell(sideTag(row.side)),
        cell(row.price === null ? "market" : row.price, "num mono"),
        cell(row.size, "num mono"),
        cell(row.filled, "num mono"),
        cell(row.state + (row.post_only ? " · post-only" : ""), "muted")
      ];
    }, "no open orders");
  }

  function renderFills(rows) {
    $("fills-count").textContent = rows.length ? String(rows.length) : "";
    fillBody("fills", rows, function (row) {
      var id = cell(short(row.client_order_id, 24), "mono");
      id.title = row.client_order_id + (row.trade_id ? " · trade " + row.trade_id : "");
      return [
        cell(time(row.ts_ns)),
        cell(row.instrument, "mono"),
        cell(sideTag(row.side)),
        cell(row.price, "num mono"),
        cell(row.size, "num mono"),
        cell((row.fee || "") + (row.fee_currency ? " " + row.fee_currency : ""), "num mono"),
        cell(row.liquidity || "", "muted"),
        cell(row.strategy || ""),
        id
      ];
    }, "no fills yet");
  }

  function renderOpportunities(rows) {
    rows = rows.slice();
    rows.sort(function (a, b) { return Number(b.profit) - Number(a.profit); });
    $("opportunities-count").textContent = rows.length ? String(rows.length) : "";
    fillBody("opportunities", rows, function (row) {
      return [
        cell(row.group, "mono"),
        cell(row.kind),
        cell((row.profit === undefined ? "" : row.profit) +
          (row.currency ? " " + row.currency : ""), "num mono " + signed(row.profit)),
        cell(row.size === undefined ? "" : row.size, "num mono"),
        cell(row.cost === undefined ? "" : row.cost, "num mono"),
        cell(time(row.seen_ns || row.ts_ns)),
        cell(row.strategy || ""),
        cell(row.trading ? "trading" : "", row.trading ? "pos" : "")
      ];
    }, "no opportunities right now");
  }

  function renderStrategies(rows, readOnly) {
    fillBody("strategies", rows, function (row) {
      var actions = node("span", "row-actions");
      var command = row.enabled ? "disable" : "enable";
      var button = node("button", "small", row.enabled ? "Disable" : "Enable");
      button.type = "button";
      button.dataset.strategy = row.id;
      button.dataset.strategyCommand = command;
      button.dataset.testid = "strategy-" + command;
      button.disabled = readOnly;
      actions.appendChild(button);
      var name = cell(row.id);
      if (row.name && row.name !== row.id) {
        name.title = row.name;
      }
      return [
        name,
        cell(row.enabled ? "enabled" : "disabled", row.enabled ? "pos" : "neg"),
        cell(String(row.open_orders || 0), "num"),
        cell(actions, "actions")
      ];
    }, "no strategies");
  }

  function renderRisk(risk) {
    var box = $("risk");
    var fresh = node("div", "risk");
    fresh.id = "risk";
    fresh.dataset.testid = "risk";
    var limits = risk.limits || [];
    if (!limits.length) {
      fresh.appendChild(node("p", "muted", "No limits configured for this session."));
    }
    limits.forEach(function (limit) {
      var usage = limit.usage === null || limit.usage === undefined ? null : Number(limit.usage);
      var row = node("div", "limit");
      row.dataset.limit = limit.name;
      var head = node("div", "limit-head");
      var name = node("span", "limit-name", limit.name.replace(/_/g, " "));
      if (limit.key) {
        name.appendChild(node("span", "limit-key", limit.key));
      }
      head.appendChild(name);
      head.appendChild(node("span", "limit-value mono",
        limit.used + " / " + limit.limit + (limit.unit ? " " + limit.unit : "") +
          (usage === null ? "" : "  (" + Math.round(usage * 100) + "%)")));
      var bar = node("div", "bar");
      var fill = node("div", "bar-fill " + (usage === null ? "" : usage >= 0.9 ? "danger" :
        usage >= 0.7 ? "warn" : "ok"));
      fill.style.width = (usage === null ? 0 : Math.max(0, Math.min(1, usage)) * 100) + "%";
      bar.appendChild(fill);
      bar.setAttribute("role", "meter");
      bar.setAttribute("aria-valuemin", "0");
      bar.setAttribute("aria-valuemax", "100");
      bar.setAttribute("aria-valuenow", usage === null ? "0" : String(Math.round(usage * 100)));
      row.appendChild(head);
      row.appendChild(bar);
      fresh.appendChild(row);
    });
    box.parentNode.replaceChild(fresh, box);
    $("risk-stats").textContent = counts("Decisions", risk.decisions) + " · " +
      counts("Rejections", risk.rejections);
  }

  function counts(label, table) {
    var parts = [];
    (function walk(value, prefix) {
      if (value && typeof value === "object") {
        Object.keys(value).forEach(function (key) {
          walk(value[key], prefix && prefix !== key ? prefix + "/" + key : key);
        });
      } else if (value !== undefined && value !== null) {
        parts.push(prefix + " " + value);
      }
    })(table, "");
    return label + ": " + (parts.length ? parts.join(", ") : "none");
  }

  global.PythiaTables = {
    node: node,
    cell: cell,
    fillBody: fillBody,
    time: time,
    signed: signed,
    money: money,
    positions: renderPositions,
    balances: renderBalances,
    orders: renderOrders,
    fills: renderFills,
    opportunities: renderOpportunities,
    strategies: renderStrategies,
    risk: renderRisk
  };
})(window);
