// The page's scripts as `make dist` bundles them (scripts/bundle-page.mjs): index.html
// loads the bundle and nothing inline, what loads on first use keeps its name, every
// import names a file that is there, every script has its source map, nothing evaluates
// a string (the CSP forbids it), and the same sources give the same bytes. Runs against
// the built dist/ (`make dist`); the last test bundles web/js/ itself, twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = join(root, 'dist');
const js = join(dist, 'js');
if (!existsSync(join(js, 'main.js'))) throw new Error(`${js}/main.js is missing: run \`make dist\` first`);

/** The scripts of dist/: every js/*.js and Go's loader, as paths relative to dist/. */
const scripts = [...readdirSync(js).filter((f) => f.endsWith('.js')).map((f) => `js/${f}`), 'wasm_exec.js'];
const read = (rel) => readFileSync(join(dist, rel), 'utf8');

test('index.html loads the preload script and the bundle\'s entry, nothing inline', () => {
  const tags = [...read('index.html').matchAll(/<script\b[^>]*>/g)].map(([tag]) => tag);
  assert.deepEqual(tags, ['<script src="js/preload.js" async>', '<script type="module" src="js/main.js">']);
});

test('each module loaded on first use keeps its name, and an import names it', () => {
  const lazy = new Set();
  for (const file of readdirSync(join(root, 'web', 'js')).filter((f) => f.endsWith('.js'))) {
    const text = readFileSync(join(root, 'web', 'js', file), 'utf8');
    for (const [, , name] of text.matchAll(/\bimport\(\s*(['"])\.\/([a-z0-9.-]+\.js)\1\s*\)/g)) lazy.add(name);
  }
  assert.ok(lazy.has('live.js') && lazy.has('lesson-panel.js'), `the lazy modules found: ${[...lazy].join(' ')}`);
  const bundled = scripts.filter((s) => s.startsWith('js/')).map(read).join('\n');
  for (const name of lazy) {
    assert.ok(existsSync(join(js, name)), `dist/js/${name} is missing`);
    assert.ok(bundled.includes(`import("./${name}")`), `no bundled script imports ./${name}`);
  }
});

test('every import of a bundled script names a file of dist/js/', () => {
  let imports = 0;
  for (const rel of scripts.filter((s) => s.startsWith('js/'))) {
    for (const [, name] of read(rel).matchAll(/(?:\bfrom|\bimport\(?)\s*"\.\/([^"]+)"/g)) {
      imports++;
      assert.ok(existsSync(join(js, name)), `${rel} imports ./${name}, which is not in dist/js/`);
    }
  }
  assert.ok(imports > 0, 'the bundle imports its chunks');
  assert.ok(scripts.some((s) => /^js\/chunk-[A-Z0-9]+\.js$/.test(s)), 'shared code is in chunk files');
});

test('every script ends with its source map, which holds the sources', () => {
  for (const rel of scripts) {
    const text = read(rel);
    const name = rel.split('/').pop();
    assert.ok(text.endsWith(`\n//# sourceMappingURL=${name}.map\n`), `${rel} does not link ${name}.map`);
    const map = JSON.parse(read(`${rel}.map`));
    assert.equal(map.version, 3);
    assert.equal(map.sourcesContent.length, map.sources.length, `${rel}.map holds every source`);
    for (const source of map.sources) {
      if (rel === 'wasm_exec.js') {
        assert.equal(source, '../go/lib/wasm/wasm_exec.js');
      } else {
        assert.match(source, /^\.\.\/\.\.\/web\/js\/[a-z0-9.-]+\.js$/, `${rel}.map names ${source}`);
        assert.ok(existsSync(join(js, source)), `${rel}.map names ${source}, which is not in the repository`);
      }
    }
  }
});

test('no script evaluates a string, and Go\'s loader keeps its copyright', () => {
  for (const rel of scripts) assert.doesNotMatch(read(rel), /\beval\(|\bFunction\(/, `${rel} evaluates a string, which the CSP forbids`);
  assert.match(read('wasm_exec.js'), /^\/\/ Copyright 2018 The Go Authors\. All rights reserved\.\n/);
});

test('bundling the same sources twice gives the same bytes', () => {
  const goroot = execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
  const stages = ['a', 'bb'].map((suffix) => {
    const stage = mkdtempSync(join(tmpdir(), `raftplay-bundle-${suffix}-`));
    cpSync(join(root, 'web', 'index.html'), join(stage, 'index.html'));
    cpSync(join(root, 'web', 'js'), join(stage, 'js'), { recursive: true });
    cpSync(join(goroot, 'lib', 'wasm', 'wasm_exec.js'), join(stage, 'wasm_exec.js'));
    execFileSync('node', [join(root, 'scripts', 'bundle-page.mjs'), stage], { stdio: 'pipe' });
    return stage;
  });
  try {
    const files = (stage) => readdirSync(stage, { recursive: true }).filter((f) => /\.(js|map)$/.test(f)).sort();
    const [a, b] = stages;
    assert.deepEqual(files(b), files(a));
    assert.ok(files(a).includes('js/main.js') && files(a).includes('wasm_exec.js.map'));
    for (const f of files(a)) assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), `${f} differs between two builds`);
  } finally {
    for (const stage of stages) rmSync(stage, { recursive: true, force: true });
  }
});
