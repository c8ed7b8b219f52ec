// Every literal t('…') of the page's script has a Bulgarian and a Romanian
// translation, and the Romanian ones use ș ț (comma below), never ş ţ.
'use strict';
const fs = require('fs');
const path = require('path');
global.window = {};
require(path.join(__dirname, '../../web/i18n.js'));
const src = fs.readFileSync(path.join(__dirname, '../../web/app.js'), 'utf8');
const keys = new Set([...src.matchAll(/\bt\('((?:[^'\\]|\\.)*)'\)/g)].map((m) => m[1]));
let bad = 0;
for (const lang of ['bg', 'ro']) {
  const missing = [...keys].filter((k) => !window.I18N[lang][k]);
  if (missing.length) { bad++; console.log(`FAIL i18n ${lang}: ${missing.length} untranslated: ${missing.join(' | ')}`); }
  else console.log(`ok   i18n ${lang}: all ${keys.size} strings of the page translated`);
}
const cedilla = Object.values(window.I18N.ro).filter((v) => /[şţŞŢ]/.test(v));
if (cedilla.length) { bad++; console.log('FAIL i18n ro: cedilla instead of comma below: ' + cedilla.join(' | ')); }
else console.log('ok   i18n ro: ș ț with comma below');
process.exitCode = bad ? 1 : 0;
