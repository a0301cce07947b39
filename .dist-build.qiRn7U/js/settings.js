// The page's settings kept in this browser: the projector setting, which sets the
// type of the drawing, the logs and the role words large enough to read across a room
// (the class "projector" on <html>; see base.css, cluster.css and log.css).

const PROJECTOR_KEY = 'raftplay.projector';

/** projectorSaved says whether the projector setting was left on (false if storage is off). */
export function projectorSaved() {
  try {
    return localStorage.getItem(PROJECTOR_KEY) === '1';
  } catch {
    return false;
  }
}

/** applyProjector turns the projector type on or off (not remembered). */
export function applyProjector(on) {
  document.documentElement.classList.toggle('projector', on);
}

/** createProjectorSetting wires the checkbox `box`: shown, applied and remembered. */
export function createProjectorSetting(box) {
  box.checked = projectorSaved();
  applyProjector(box.checked);
  box.addEventListener('change', () => {
    applyProjector(box.checked);
    try {
      localStorage.setItem(PROJECTOR_KEY, box.checked ? '1' : '0');
    } catch {
      // Storage off (a private window): the setting lasts for this page only.
    }
  });
}
