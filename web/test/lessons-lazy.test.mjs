// node --test: the page's wasm carries no lessons; the bridge fetches lessons.json
// (dist/lessons.json, next to app.wasm) when asked, once, and only then lists and opens
// lessons. Runs against the built dist/ (`make dist`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
if (!existsSync(dist + 'app.wasm')) throw new Error(`${dist}app.wasm is missing: run \`make dist\` first`);
globalThis.window = globalThis.window ?? {};
const { loadRaftplay } = await import(new URL('../../dist/js/bridge.js', import.meta.url).href);

test('the wasm has no lessons until loadLessons fetched lessons.json', async () => {
  const rp = await loadRaftplay();
  const wanted = JSON.parse(readFileSync(dist + 'lessons.json', 'utf8'));
  assert.throws(() => rp.lessons(), { name: 'RaftplayError', message: /carries no lessons; load lessons\.json first/ });
  await assert.rejects(rp.loadLessons({ lessonsURL: dist + 'no-such-lessons.json' }), /no-such-lessons\.json/);
  const first = rp.loadLessons();
  assert.equal(rp.loadLessons(), first, 'a second call reuses the first fetch');
  assert.equal(await first, wanted.length);
  const list = rp.lessons();
  assert.deepEqual(list.map((o) => o.id), wanted.map((l) => l.id));
  const view = rp.lessonOpen(list[0].id, 1);
  assert.equal(view.title, wanted[0].title);
  assert.ok(view.steps[0].narration_html.length > 0);
  rp.lessonClose();
});
