#!/usr/bin/env node
/*
 * One long-lived MathJax process for publish/render/math.py.
 *
 * Starting Node and loading MathJax costs ~170 ms; typesetting one formula
 * ~2 ms.  So math.py keeps this process alive for a whole build and talks to
 * it over stdin/stdout, one JSON object per line:
 *
 *   request   {"id": 7, "tex": "\\frac{a}{b}", "display": false}
 *   response  {"id": 7, "svg": "<svg ...>...</svg>"}   or   {"id": 7, "error": "..."}
 *
 * Responses come in request order.  A line that is not valid JSON gets
 * {"id": null, "error": ...} so the caller never waits forever.
 *
 * Choices, each because of something measured on the corpus (docs/math.md):
 * - packages base + ams + textmacros + boldsymbol only: nothing that reads
 *   files or defines macros, and no `noerrors`/`noundefined`, so `\frac{a}{`,
 *   `\our` and `\input{x}` are errors the author sees instead of red boxes
 *   (`\href`, `\class`, `\style` live in the `html` package, left out, so a
 *   formula cannot carry a link or CSS into the page);
 * - fontCache 'none': glyphs are inline paths, so the SVG holds no ids that
 *   could collide when many formulas share one page;
 * - no assistive MathML (its handler is never registered), so a formula never
 *   prints twice; instead the SVG gets role="img" and aria-label = the TeX;
 * - text MathJax has no glyphs for (CJK inside \text{}) is drawn with the
 *   book's CJK serif face instead of whatever "serif" resolves to.
 */
'use strict';

const readline = require('readline');
const {mathjax} = require('mathjax-full/js/mathjax.js');
const {TeX} = require('mathjax-full/js/input/tex.js');
const {SVG} = require('mathjax-full/js/output/svg.js');
const {liteAdaptor} = require('mathjax-full/js/adaptors/liteAdaptor.js');
const {RegisterHTMLHandler} = require('mathjax-full/js/handlers/html.js');
require('mathjax-full/js/input/tex/base/BaseConfiguration.js');
require('mathjax-full/js/input/tex/ams/AmsConfiguration.js');
require('mathjax-full/js/input/tex/textmacros/TextMacrosConfiguration.js');
require('mathjax-full/js/input/tex/boldsymbol/BoldsymbolConfiguration.js');

const CJK_SERIF = "'Noto Serif CJK SC', 'Source Han Serif SC', serif";

// MathJax cannot measure text it has no glyphs for (CJK in \text{}): it
// guesses an advance per character, and draws the text at a font size of
// x_height / ex * em = 0.884 em of its TeX font.  An advance equal to that
// size sets the CJK solid, as in running text, instead of with gaps.
const EM = 16;
const EX = 8;
const TEX_FONT_X_HEIGHT = 0.442;
const adaptor = liteAdaptor({cjkCharWidth: (TEX_FONT_X_HEIGHT / EX) * EM});
RegisterHTMLHandler(adaptor);

const tex = new TeX({
  packages: ['base', 'ams', 'textmacros', 'boldsymbol'],
  // Throw instead of drawing an <merror>: the caller turns it into a warning.
  formatError: (jax, err) => {
    throw err;
  },
});
const svg = new SVG({fontCache: 'none', unknownFamily: CJK_SERIF});
const html = mathjax.document('', {InputJax: tex, OutputJax: svg});

/** Escape a string for a double-quoted XML attribute. */
function escapeAttribute(text) {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;');
}

/**
 * Typeset one formula and return the bare <svg> element as a string.
 *
 * Labels and equation numbers are reset first: every formula stands alone, so
 * a result never depends on what came before it in this process (the cache
 * relies on that), and a `\label` used in two formulas is not an error.
 */
function render(source, display) {
  tex.reset();
  const container = html.convert(source, {display: Boolean(display), em: EM, ex: EX, containerWidth: 80 * EM});
  const node = adaptor.firstChild(container);
  adaptor.setAttribute(node, 'role', 'img');
  adaptor.removeAttribute(node, 'aria-hidden');
  adaptor.removeAttribute(node, 'aria-label');
  const markup = adaptor.outerHTML(node);
  // liteAdaptor escapes attribute values only partly; set the label by hand.
  return markup.replace(/^<svg/, `<svg aria-label="${escapeAttribute(source)}"`);
}

/** Answer one request line; never throws, so one bad formula cannot end the build. */
function answer(line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch (err) {
    return {id: null, error: `bad request: ${err.message}`};
  }
  try {
    if (typeof request.tex !== 'string') {
      throw new Error('request has no "tex" string');
    }
    return {id: request.id, svg: render(request.tex, request.display)};
  } catch (err) {
    return {id: request.id, error: String(err && err.message ? err.message : err)};
  }
}

const lines = readline.createInterface({input: process.stdin, crlfDelay: Infinity});
lines.on('line', (line) => {
  if (line.trim() === '') {
    return;
  }
  process.stdout.write(JSON.stringify(answer(line)) + '\n');
});
