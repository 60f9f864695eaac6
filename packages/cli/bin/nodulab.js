#!/usr/bin/env node
// The `nodulab` command: runs the compiled CLI (packages/cli/dist).
'use strict';
require('../dist/main.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
