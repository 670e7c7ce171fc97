// @aip/cli: the `aip` command, usable programmatically.

export { type DemoServer, startDemoServer } from './demo/demo-server.js';
export { type DemoReport, type DemoStep, runDemo } from './demo/run-demo.js';
export { EXIT_NEGATIVE, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
export { createProgram, runCli, VERSION } from './program.js';
