// Terminal rendering of `aip demo`: colour on a TTY (unless NO_COLOR), plain text otherwise.
import type { DemoListener, DemoStep } from './run-demo.js';

export function terminalListener(write: (text: string) => void, color: boolean): DemoListener {
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  let n = 0;
  return {
    section(title, lines) {
      write(`\n${paint('1', title)}\n`);
      for (const line of lines) write(`  ${paint('2', line)}\n`);
    },
    step(step: DemoStep) {
      n++;
      const mark = step.ok ? paint('32', '✓') : paint('31', '✗');
      const outcome = step.ok ? paint('32', step.outcome) : `${paint('31', step.outcome)} (expected ${step.expected})`;
      write(`\n${mark} ${paint('1', `Step ${n}.`)} ${step.title}\n    -> ${outcome}\n`);
    },
  };
}
