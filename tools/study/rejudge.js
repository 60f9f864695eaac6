#!/usr/bin/env node
// Judges a finished study's claims again from its metrics.json (spec and results) with the claims engine and the
// study's claims as they are in this build, and prints the Findings beside whether they differ from the ones the
// run wrote. Nothing is trained and nothing is written: it shows what the current inference policy says of results
// already measured (every number a claim reads is in metrics.json).
// Usage: node tools/study/rejudge.js <study output folder>
'use strict';
const fs = require('fs');
const path = require('path');

const { findingsText, judgeClaims, studyNamed } = require(
  path.resolve(__dirname, '..', '..', 'packages', 'study', 'dist'),
);

function main() {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node tools/study/rejudge.js <study output folder>');
    process.exit(2);
  }
  const doc = JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8'));
  const study = studyNamed(doc.study);
  const { controls, claims } = study.claims(doc.spec, doc.results);
  const findings = judgeClaims(controls, claims);
  const same = JSON.stringify(findings) === JSON.stringify(doc.findings);
  console.log(`${doc.study}: ${dir}`);
  console.log(`findings ${same ? 'as written by the run' : 'judged again (they differ from those the run wrote)'}:`);
  console.log(findingsText(findings).join('\n'));
}

main();
