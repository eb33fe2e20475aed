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

  // TV mode hides every control; Escape leaves it (the URL's tv=1 follows).
  document.addEventListener("keydown", function (event) {
    var toggle = document.getElementById("tv-toggle");
    if (event.key === "Escape" && toggle && document.querySelector("#wall.tv")) {
      toggle.click();
    }
  });

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    wall: {
      seen: function () {
        lastUpdate = Date.now();
        document.body.classList.remove("offline");
        return window.dash_clientside.no_update;
      },
      tiles: function (views) {
        var container = document.getElementById("tiles");
        if (container) {
          container.replaceChildren.apply(container, (views || []).map(tile));
        }
        return window.dash_clientside.no_update;
      },
    },
  });
})();
