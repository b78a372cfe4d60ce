// A neuron's heatmap enlarged to a readable size, with its label, beside what the pointer or
// the keyboard focus is on (a neuron in the diagram, a small map in the plots column).

const SIZE = 160;
let box = null;

function ensure() {
  if (box) return box;
  box = document.createElement("div");
  box.className = "map-zoom";
  box.hidden = true;
  box.setAttribute("role", "img");
  const img = document.createElement("img");
  img.alt = "";
  img.width = SIZE;
  img.height = SIZE;
  const caption = document.createElement("p");
  box.append(img, caption);
  document.body.appendChild(box);
  return box;
}

/** Show the image `src` (a data URL) labelled `label` beside `rect` (a client rectangle). */
export function showMapZoom(src, label, rect) {
  const b = ensure();
  const [img, caption] = b.children;
  if (img.getAttribute("src") !== src) img.src = src;
  caption.textContent = label;
  b.setAttribute("aria-label", label);
  b.dataset.label = label;
  b.hidden = false;
  const w = b.offsetWidth || SIZE + 12;
  const h = b.offsetHeight || SIZE + 40;
  // Left of the target where there is room (the hover tooltip opens to the right), else right.
  let x = rect.left - w - 10;
  if (x < 4) x = Math.min(window.innerWidth - w - 4, rect.right + 10);
  const y = Math.max(4, Math.min(window.innerHeight - h - 4, rect.top + rect.height / 2 - h / 2));
  b.style.left = `${Math.max(4, x)}px`;
  b.style.top = `${y}px`;
}

export function hideMapZoom() {
  if (box) box.hidden = true;
}
