() => {
  // Text cut off by its box (a button's label, a select's choice) and text under 11 px.
  const clipped = [];
  const small = [];
  const measure = document.createElement("canvas").getContext("2d");
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
  };
  const texts = "button, label, a, h1, h2, h3, p, span, kbd, output, legend, summary, dt, dd, th, td, li, option";
  for (const el of document.querySelectorAll(texts)) {
    if (!shown(el) || el.closest("svg, .tooltip, .inspector .eq")) continue;
    const cs = getComputedStyle(el);
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (own && parseFloat(cs.fontSize) < 11) small.push([el.tagName, el.className, el.textContent.trim().slice(0, 30), cs.fontSize]);
    if (["auto", "scroll"].includes(cs.overflowX) || cs.display === "inline") continue;
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) clipped.push([el.tagName, el.className, el.textContent.trim().slice(0, 40)]);
  }
  for (const s of document.querySelectorAll("select")) {
    if (!shown(s)) continue;
    const cs = getComputedStyle(s);
    measure.font = `${cs.fontSize} ${cs.fontFamily}`;
    const text = s.selectedOptions[0]?.textContent ?? "";
    const need = measure.measureText(text).width + parseFloat(cs.paddingLeft) + parseFloat(cs.paddingRight) + 18;
    if (need > s.clientWidth + 1) clipped.push(["SELECT", s.name || s.dataset.display || "", text]);
    if (parseFloat(cs.fontSize) < 11) small.push(["SELECT", s.name, text, cs.fontSize]);
  }
  for (const t of document.querySelectorAll("svg text")) {
    if (!shown(t) || !t.textContent.trim()) continue;
    const px = t.getBoundingClientRect().height;
    const m = t.getScreenCTM();
    const size = parseFloat(getComputedStyle(t).fontSize) * (m ? Math.hypot(m.a, m.b) : 1); // rotated too
    if (size < 10.5 && px > 0) small.push(["svg text", t.getAttribute("class"), t.textContent.trim().slice(0, 30), size.toFixed(1)]);
  }
  return { clipped, small };
}
