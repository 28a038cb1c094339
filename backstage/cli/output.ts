// Plain text for people (✔/✘ marks, colour only on a TTY without NO_COLOR), or one JSON
// document for scripts (--json). Each command reports steps; the JSON carries them all.
export type Mark = 'ok' | 'fail' | 'warn' | 'info' | 'skip';

export interface Step {
  step: string;
  status: Mark;
  detail: string;
  code?: string;
}

const SYMBOL: Record<Mark, string> = { ok: '✔', fail: '✘', warn: '!', info: '·', skip: '-' };
const COLOUR: Record<Mark, number> = { ok: 32, fail: 31, warn: 33, info: 0, skip: 2 };

export class Output {
  readonly steps: Step[] = [];
  private readonly colour: boolean;

  constructor(readonly json: boolean) {
    this.colour = !json && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  }

  private paint(mark: Mark, text: string) {
    return this.colour && COLOUR[mark] ? `\x1b[${COLOUR[mark]}m${text}\x1b[0m` : text;
  }

  /** One line per step: `✔ step: detail`. */
  step(step: string, status: Mark, detail: string, code?: string) {
    this.steps.push({ step, status, detail, ...(code ? { code } : {}) });
    if (!this.json) {
      const head = this.paint(status, `${SYMBOL[status]} ${step}`);
      process.stdout.write(`${head}: ${code ? `${code}: ` : ''}${detail}\n`);
    }
  }

  /** Free text, plain mode only. */
  text(line: string) {
    if (!this.json) process.stdout.write(`${line}\n`);
  }

  /** The JSON document, JSON mode only. */
  done(document: Record<string, unknown>) {
    if (this.json) process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  }
}
