/*
 * Copies plotly.js's basic build into the dashboard's static/vendor/ for the plotly panels.
 *
 * The dashboard's CSP allows no inline styles. At load the bundle injects one <style> (the CSS
 * of maplibre, which no basic trace uses): that injection is turned off here, and the build
 * fails if the bundle no longer has exactly one. Plotly's runtime rules are skipped by the
 * page itself (a `.no-inline-styles` element, plotly's own switch for strict CSP).
 */
const fs = require('fs');
const path = require('path');

const target = path.resolve(
  __dirname,
  '../../src/wandb_jupyter/dashboard/static/vendor'
);
const source = fs.readFileSync(
  require.resolve('plotly.js-basic-dist-min'),
  'utf8'
);
const injection =
  /if\(!document\.getElementById\("[0-9a-f]{64}"\)\)\{var e=document\.createElement\("style"\)/g;
const found = source.match(injection) || [];
if (found.length !== 1) {
  throw new Error(
    `plotly.js: expected one injected <style> at load, found ${found.length}`
  );
}
const patched = source.replace(
  injection,
  'if(!1){var e=document.createElement("style")'
);
fs.mkdirSync(target, { recursive: true });
fs.writeFileSync(path.join(target, 'plotly-basic.min.js'), patched);
const license = path.join(
  path.dirname(require.resolve('plotly.js-basic-dist-min')),
  'LICENSE'
);
fs.copyFileSync(license, path.join(target, 'plotly-basic.LICENSE.txt')); // MIT: shipped beside it
