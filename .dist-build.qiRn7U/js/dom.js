// Small DOM helpers shared by the page's modules. Nothing here knows about Raft.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** $ finds one element by CSS selector (in root, default document) or throws. */
export function $(selector, root = document) {
  const found = root.querySelector(selector);
  if (!found) throw new Error(`page: no element matches ${selector}`);
  return found;
}

/**
 * el creates an HTML element: el('button', {class: 'x', 'aria-label': 'Crash'}, 'text', child).
 * Attributes whose value is null, undefined or false are left out; true sets an empty one.
 */
export function el(tag, attrs = {}, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** svg creates an SVG element with attributes and children, like el. */
export function svg(tag, attrs = {}, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

function fill(node, attrs, children) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** setText changes an element's text only when it differs (cheap to call every frame). */
export function setText(node, text) {
  const s = String(text);
  if (node.textContent !== s) node.textContent = s;
}

/** setAttr changes an attribute only when it differs; null removes it. */
export function setAttr(node, name, value) {
  if (value === null || value === undefined) {
    if (node.hasAttribute(name)) node.removeAttribute(name);
    return;
  }
  const s = String(value);
  if (node.getAttribute(name) !== s) node.setAttribute(name, s);
}

/** announce reads a short sentence to screen readers through the polite live region. */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // A new text node in a fresh task is what makes screen readers speak a repeat.
  setTimeout(() => { region.textContent = text; }, 30);
}
