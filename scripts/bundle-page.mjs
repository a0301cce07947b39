// Bundles and minifies the page's JavaScript in a staged dist/ folder, in place:
//   node scripts/bundle-page.mjs STAGE
// STAGE holds the page as copied from web/ (index.html, js/ with the ES modules, the
// generated js/vocab.gen.js). Its js/ is replaced by esbuild's output (from node_modules,
// at the version package-lock.json pins; nothing is downloaded):
//   - the module scripts index.html loads (js/main.js), and every module some module
//     loads with import('./NAME.js') (the lesson panel, live mode, ...), each an entry
//     point under its own name, so what was loaded on first use still is; the code two
//     or more of them share goes into js/chunk-HASH.js files (esm splitting). The page's
//     ~30 modules become a handful of files: fewer requests, and one brotli context;
//   - the classic scripts index.html loads (js/preload.js) and Go's loader wasm_exec.js
//     (which bridge.js adds as a script; STAGE has it from the same GOROOT as app.wasm),
//     minified on their own: they run as classic scripts and cannot be part of the
//     modules. wasm_exec.js keeps its copyright lines (its licence asks for them);
//   - STANDALONE modules, bundled alone under their own names for whoever imports them
//     outside the page (Node's tests import dist/js/bridge.js; the Worker's test imports
//     /js/share-api.js in the page). The page does not load them: it has its own copy
//     inside its bundle.
// Every file gets a linked source map (NAME.js.map, with the sources inside, named as
// web/js/ files); a browser fetches one only when its developer tools ask. The output
// depends on nothing but the sources and esbuild's version: no time, no path of STAGE.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Modules kept importable on their own (see above), by file name in web/js/. */
const STANDALONE = ['bridge.js', 'share-api.js'];

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** fail stops the build with a message that says what to do. */
function fail(message) {
  console.error(`bundle: ${message}`);
  process.exit(1);
}

/**
 * checkVersion fails unless node_modules holds the esbuild package-lock.json pins: the
 * bundle's bytes depend on esbuild's version, and a node_modules left from before a
 * change of the lock would build other bytes without a word.
 */
function checkVersion() {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const pinned = lock.packages?.['node_modules/esbuild']?.version;
  if (!pinned) fail('package-lock.json pins no node_modules/esbuild');
  const installed = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('esbuild/package.json'), 'utf8')).version;
  if (installed !== pinned || esbuild.version !== pinned) {
    fail(`node_modules has esbuild ${installed} (binary ${esbuild.version}), package-lock.json pins ${pinned}: run \`npm ci\``);
  }
}

/**
 * pageScripts lists the scripts index.html loads from js/: {modules, classic}, file names.
 * @param {string} html
 */
function pageScripts(html) {
  const modules = [];
  const classic = [];
  for (const [tag] of html.matchAll(/<script\b[^>]*>/g)) {
    const src = /\ssrc="js\/([a-z0-9.-]+\.js)"/.exec(tag);
    if (!src) fail(`index.html has a script that is not a file of js/ (no inline scripts: the CSP forbids them): ${tag}`);
    (/\stype="module"/.test(tag) ? modules : classic).push(src[1]);
  }
  if (modules.length === 0) fail('index.html loads no module script from js/');
  return { modules, classic };
}

/**
 * lazyModules lists the modules of dir that some module loads with import('./NAME.js').
 * @param {string} dir
 */
function lazyModules(dir) {
  const names = new Set();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) {
    for (const [, , name] of readFileSync(join(dir, file), 'utf8').matchAll(/\bimport\(\s*(['"])\.\/([a-z0-9.-]+\.js)\1\s*\)/g)) {
      if (!existsSync(join(dir, name))) fail(`js/${file} imports ./${name}, which does not exist`);
      names.add(name);
    }
  }
  return [...names].sort();
}

/** Options every build shares. */
const common = {
  bundle: true,
  minify: true,
  // Keep the sources' syntax (what browsers already ran unbundled) and their UTF-8
  // text (escaping it would grow every arrow and symbol to six bytes).
  target: 'esnext',
  charset: 'utf8',
  legalComments: 'none',
  sourcemap: 'linked',
  sourcesContent: true,
  // The bridge imports these under Node only (it reads files there); the page never runs that path.
  external: ['node:*'],
  logLevel: 'silent',
  metafile: true,
};

/** build runs esbuild and fails on any error or warning. */
async function build(options) {
  let result;
  try {
    result = await esbuild.build({ ...common, ...options });
  } catch (err) {
    fail(`esbuild failed:\n${(await esbuild.formatMessages(err.errors ?? [], { kind: 'error' })).join('\n') || err.message}`);
  }
  if (result.warnings.length > 0) {
    fail(`esbuild warned (the page's code must bundle cleanly):\n${(await esbuild.formatMessages(result.warnings, { kind: 'warning' })).join('\n')}`);
  }
  return result;
}

/**
 * classicScript minifies one classic script into outdir: no bundle and no format, so
 * that it stays a classic script (it must not become a module).
 */
async function classicScript(file, outdir, work, banner) {
  await build({
    entryPoints: [file], absWorkingDir: work, outdir, bundle: false, external: undefined, entryNames: '[name]',
    banner: banner ? { js: banner } : undefined,
  });
}

/**
 * goLoader minifies STAGE/wasm_exec.js in place, keeping the comment lines it starts
 * with (Go's copyright and licence). Its source map names it go/lib/wasm/wasm_exec.js.
 */
async function goLoader(stage, work) {
  const file = join(stage, 'wasm_exec.js');
  if (!existsSync(file)) fail('STAGE has no wasm_exec.js (Go\'s loader): copy it from $(go env GOROOT)/lib/wasm first');
  const text = readFileSync(file, 'utf8');
  const header = /^(\/\/.*\n)+/.exec(text);
  if (!header || !/Copyright/.test(header[0])) fail('wasm_exec.js does not start with Go\'s copyright lines');
  const src = join(work, 'go', 'lib', 'wasm');
  mkdirSync(src, { recursive: true });
  renameSync(file, join(src, 'wasm_exec.js'));
  await classicScript(join(src, 'wasm_exec.js'), join(work, 'dist'), work, header[0].trimEnd());
  renameSync(join(work, 'dist', 'wasm_exec.js'), file);
  renameSync(join(work, 'dist', 'wasm_exec.js.map'), `${file}.map`);
}

async function main() {
  const stage = process.argv[2];
  if (!stage || !existsSync(join(stage, 'index.html')) || !existsSync(join(stage, 'js'))) {
    fail('usage: node scripts/bundle-page.mjs STAGE (a folder with index.html and js/)');
  }
  checkVersion();

  // The sources move to STAGE/.bundle/web/js and the output goes to
  // STAGE/.bundle/dist/js, so that the source maps name the sources ../../web/js/NAME.js
  // from dist/js/, as in the repository, whatever STAGE is called.
  const work = join(stage, '.bundle');
  const src = join(work, 'web', 'js');
  const out = join(work, 'dist', 'js');
  mkdirSync(dirname(src), { recursive: true });
  renameSync(join(stage, 'js'), src);

  const html = readFileSync(join(stage, 'index.html'), 'utf8');
  const { modules, classic } = pageScripts(html);
  const entries = [...new Set([...modules, ...lazyModules(src)])];
  const page = await build({
    entryPoints: entries.map((name) => join(src, name)),
    absWorkingDir: work,
    outdir: out,
    format: 'esm',
    splitting: true,
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
  });
  const bundled = new Set(Object.values(page.metafile.outputs).flatMap((o) => Object.keys(o.inputs)).map((p) => basename(p)));

  for (const name of STANDALONE) {
    if (entries.includes(name)) continue; // already an entry of the page's build, under its name
    if (!existsSync(join(src, name))) fail(`js/${name} (a standalone module) does not exist`);
    await build({ entryPoints: [join(src, name)], absWorkingDir: work, outdir: out, format: 'esm', entryNames: '[name]' });
  }
  for (const name of classic) {
    if (!existsSync(join(src, name))) fail(`index.html loads js/${name}, which does not exist`);
    await classicScript(join(src, name), out, work);
  }
  await goLoader(stage, work);

  const unused = readdirSync(src).filter((f) => !bundled.has(f) && !STANDALONE.includes(f) && !classic.includes(f));
  if (unused.length > 0) {
    console.error(`bundle: not part of the page (left out of dist/js/): ${unused.map((f) => `js/${f}`).join(', ')}`);
  }

  renameSync(out, join(stage, 'js'));
  rmSync(work, { recursive: true, force: true });

  const files = readdirSync(join(stage, 'js')).filter((f) => f.endsWith('.js')).sort();
  console.log(`bundle: js/ ${files.join(' ')} (entries: ${entries.join(' ')}; esbuild ${esbuild.version})`);
}

await main();
