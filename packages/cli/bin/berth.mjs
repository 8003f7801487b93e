#!/usr/bin/env node
// The `berth` command's entry: the bundle scripts/build-cli.mjs writes (npm ci, npm pack and
// npm run berth build it). This file is committed so that npm links `berth` into node_modules/.bin
// when it installs, before the bundle exists; it adds no measurable start-up time.
import '../dist/berth.mjs';
