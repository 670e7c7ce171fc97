#!/usr/bin/env node
// Entry point of the `aip-proxy` binary: compatible with the reference CLI
// (`aip-proxy --upstream URL --port N --trust-key KEY [--config proxy.toml]`).
import { runProxyCli } from './cli.js';

process.exitCode = await runProxyCli(process.argv.slice(2));
