// Where the peers sit in the cluster drawing: on a circle, the first one at the top.

/** The cluster drawing's coordinate space (the SVG viewBox). */
export const VIEW = { width: 400, height: 350 };

/** peerRadius is the radius of a peer's circle for a cluster of n peers. */
export function peerRadius(n) {
  return Math.max(20, Math.min(36, 36 - (n - 3) * 4));
}

/**
 * peerPositions returns the centre of each peer (index 0 is peer 1). Peers in the upper
 * part (labelAbove) carry their labels above the circle, away from their links.
 */
export function peerPositions(n) {
  const cx = VIEW.width / 2;
  // A little below the middle for three peers: room above the top one for its labels
  // in projector type. Seven sit on an ellipse, wider than tall and lower: the labels of
  // the two beside the top one then leave the top-left corner to the configuration's
  // lines (#conf-panel), four of them while joint.
  const cy = n <= 3 ? 200 : n >= 7 ? 200 : 185;
  const rx = n <= 3 ? 110 : n >= 7 ? 130 : 120;
  const ry = n <= 3 ? 110 : n >= 7 ? 100 : 120;
  const out = [];
  for (let i = 0; i < n; i++) {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / n;
    const y = cy + ry * Math.sin(angle);
    out.push({ x: cx + rx * Math.cos(angle), y, labelAbove: y < cy - ry / 2 });
  }
  return out;
}

/**
 * edgePoints returns where a link from a to b leaves a's circle and enters b's, shifted
 * sideways by offset (so the two directions of one link do not overlap).
 */
export function edgePoints(a, b, r, offset = 0) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  const ux = dx / len;
  const uy = dy / len;
  // The normal to the right of the direction of travel.
  const nx = -uy * offset;
  const ny = ux * offset;
  return {
    from: { x: a.x + ux * r + nx, y: a.y + uy * r + ny },
    to: { x: b.x - ux * r + nx, y: b.y - uy * r + ny },
  };
}
