/* Lays out the wallboard's tiles from the plain data the server sends (`tile_view`).

   The server judges every number against its target; this file only builds the elements,
   with the stable ids kiosk scripts rely on (tile-<queue>, waiting-<queue>, …). It writes
   the DOM itself: handing Dash a new tree of components every second kept the browser busy
   for about a second per update, while plain elements take a few milliseconds. */
(function () {
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function metric(m) {
    var box = el("div", "metric");
    box.appendChild(el("div", "label", m.label));
    var number = el("span", ("number " + (m.css || "")).trim(), m.text);
    if (m.icon) {
      number.appendChild(el("span", "icon", " " + m.icon));
    }
    if (m.id) {
      number.id = m.id;
    }
    if (m.drill) {
      // the calls behind this figure: a button for the mouse, the keyboard and screen readers
      number.classList.add("drill");
      number.tabIndex = 0;
      number.setAttribute("role", "button");
      number.setAttribute("aria-haspopup", "dialog");
      number.title = m.drill.hint;
      number.dataset.queue = m.drill.queue;
      number.dataset.list = m.drill.list;
    }
    box.appendChild(number);
    return box;
  }

  function row(className, metrics) {
    var node = el("div", className);
    metrics.forEach(function (m) {
      node.appendChild(metric(m));
    });
    return node;
  }

  function tile(t) {
    var node = el("div", "tile");
    node.id = t.id;
    node.appendChild(el("h2", "queue-name", t.name));
    node.appendChild(row("big-row", t.big));
    node.appendChild(row("small-row", t.small));
    var bar = el("div", "agents-bar");
    bar.id = t.agents_id;
    bar.title = t.agents_title;
    t.segments.forEach(function (s) {
      var segment = el("span", "segment " + s.state, s.text);
      segment.style.flexGrow = s.grow;
      bar.appendChild(segment);
    });
    node.appendChild(bar);
    return node;
  }

  // A board that stopped updating must say so: a TV left on for hours can lose its network
  // or its login, and a frozen board that looks live is worse than a blank one.
  var STALE_AFTER_MS = 10000;
  var lastUpdate = Date.now();
  setInterval(function () {
    document.body.classList.toggle("offline", Date.now() - lastUpdate > STALE_AFTER_MS);
  }, 1000);

  // A figure with calls behind it opens their list (the URL's calls= follows); the figure
  // that opened it gets the focus back when it closes.
  var opener = null;
  function openCalls(figure) {
    opener = figure.id;
    window.dash_clientside.set_props("calls-open", {
      data: { queue: figure.dataset.queue, list: figure.dataset.list, at: Date.now() },
    });
  }
  document.addEventListener("click", function (event) {
    var figure = event.target.closest && event.target.closest(".drill");
    if (figure) {
      openCalls(figure);
    }
  });
  function panelOpen() {
    var panel = document.getElementById("calls-panel");
    return panel && !panel.hidden;
  }
  function closeCalls() {
    document.getElementById("calls-close").click();
    var back = opener && document.getElementById(opener);
    if (back) {
      back.focus();
    }
  }

  // Escape closes the list of calls; else it leaves TV mode, which hides every control (the
  // URL's tv=1 follows).
  document.addEventListener("keydown", function (event) {
    var figure = event.target.closest && event.target.closest(".drill");
    if (figure && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      openCalls(figure);
      return;
    }
    if (event.key !== "Escape") {
      return;
    }
    if (panelOpen()) {
      closeCalls();
      return;
    }
    var toggle = document.getElementById("tv-toggle");
    if (toggle && document.querySelector("#wall.tv")) {
      toggle.click();
    }
  });

  // New data redraws the tiles at once instead of at the next tick: a stream of JSON lines
  // carries the new tiles each time the data of this screen's clients changed
  // (`/wall/_changes`; the server paces them and draws each once for every screen of the
  // board). It ends every 25 s and is opened again, so the viewer is checked again. The
  // rest of the board follows at the tick.
  var RETRY_MS = 5000;
  function changesUrl(since) {
    var config = document.getElementById("_dash-config");
    var prefix = config ? JSON.parse(config.textContent).requests_pathname_prefix : "/wall/";
    var query = new URLSearchParams(window.location.search); // the board's settings
    if (since !== null) {
      query.set("since", since);
    }
    var text = query.toString();
    return prefix + "_changes" + (text ? "?" + text : "");
  }
  function followChanges(since) {
    var opened = Date.now();
    fetch(changesUrl(since), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok || !response.body) {
          throw new Error(String(response.status));
        }
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var pending = "";
        function read() {
          return reader.read().then(function (chunk) {
            if (chunk.done) {
              // a stream that ended at once (a server going down) is not opened in a loop
              setTimeout(followChanges, Date.now() - opened < 1000 ? RETRY_MS : 0, since);
              return;
            }
            var lines = (pending + decoder.decode(chunk.value, { stream: true })).split("\n");
            pending = lines.pop();
            lines.forEach(function (line) {
              if (line) {
                var body = JSON.parse(line);
                if (body.tiles) {
                  drawTiles(body.tiles);
                  pushed(body.version);
                }
                since = body.version;
              }
            });
            return read();
          });
        }
        return read();
      })
      .catch(function () {
        setTimeout(followChanges, RETRY_MS, since);
      });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      followChanges(null);
    });
  } else {
    followChanges(null);
  }

  // The version of the data the tiles last came with from the stream (for kiosk checks).
  function pushed(version) {
    var container = document.getElementById("tiles");
    if (container) {
      container.dataset.version = version;
    }
  }

  function drawTiles(views) {
    var container = document.getElementById("tiles");
    if (container) {
      // a redrawn figure keeps the keyboard's focus
      var focused = container.contains(document.activeElement) && document.activeElement.id;
      container.replaceChildren.apply(container, (views || []).map(tile));
      var again = focused && document.getElementById(focused);
      if (again) {
        again.focus();
      }
    }
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    wall: {
      seen: function () {
        lastUpdate = Date.now();
        document.body.classList.remove("offline");
        return window.dash_clientside.no_update;
      },
      tiles: function (views) {
        drawTiles(views);
        return window.dash_clientside.no_update;
      },
    },
  });
})();
