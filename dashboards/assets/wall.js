/* Lays out the wallboard's tiles from the plain data the server sends (`tile_view`).
   The server judges every number against its target; this file only builds the elements,
   with the stable ids kiosk scripts rely on (tile-<queue>, waiting-<queue>, …). */
(function () {
  function el(type, props) {
    return { type: type, namespace: "dash_html_components", props: props };
  }

  function metric(m) {
    var number = { className: ("number " + (m.css || "")).trim(), children: [m.text] };
    if (m.icon) {
      number.children.push(el("Span", { className: "icon", children: " " + m.icon }));
    }
    if (m.id) {
      number.id = m.id;
    }
    return el("Div", {
      className: "metric",
      children: [el("Div", { className: "label", children: m.label }), el("Span", number)],
    });
  }

  function tile(t) {
    return el("Div", {
      id: t.id,
      className: "tile",
      children: [
        el("H2", { className: "queue-name", children: t.name }),
        el("Div", { className: "big-row", children: t.big.map(metric) }),
        el("Div", { className: "small-row", children: t.small.map(metric) }),
        el("Div", {
          id: t.agents_id,
          className: "agents-bar",
          title: t.agents_title,
          children: t.segments.map(function (s) {
            return el("Span", {
              className: "segment " + s.state,
              style: { flexGrow: s.grow },
              children: s.text,
            });
          }),
        }),
      ],
    });
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    wall: {
      tiles: function (views) {
        return (views || []).map(tile);
      },
    },
  });
})();
