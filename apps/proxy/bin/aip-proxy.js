#!/usr/bin/env node
// The `aip-proxy` command: the built entry point (a file of its own so the workspace can link the
// command before the first build).
import '../dist/main.js';
