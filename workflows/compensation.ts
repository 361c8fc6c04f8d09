/** One compensating action of an aborted or failed run, and what came of it. */
export interface CompensationStep {
  step: string;
  outcome: 'done' | 'skipped' | 'failed' | 'left';
  note: string;
}

/** What an aborted or failed run puts back, and what it cannot (said plainly, with the way forward). */
export interface CompensationReport {
  reason: string;
  steps: CompensationStep[];
  cannotUndo: string[];
}

/**
 * Collects compensation steps. Each action runs even when an earlier one failed: a compensation that stops at
 * its first error would leave more behind than it must.
 */
export class Compensation {
  readonly report: CompensationReport;

  constructor(reason: string) {
    this.report = { reason, steps: [], cannotUndo: [] };
  }

  async run(step: string, action: () => Promise<{ outcome: CompensationStep['outcome']; note: string }>): Promise<void> {
    try {
      const result = await action();
      this.report.steps.push({ step, ...result });
    } catch (err) {
      this.report.steps.push({ step, outcome: 'failed', note: err instanceof Error ? err.message : String(err) });
    }
  }

  cannotUndo(what: string): void {
    this.report.cannotUndo.push(what);
  }

  summary(): string {
    return summarizeCompensation(this.report);
  }
}

/** A readable summary of a compensation, for logs, the Web UI and the failure message. */
export function summarizeCompensation(report: CompensationReport): string {
  const steps = report.steps.map((s) => `${s.step}: ${s.outcome} (${s.note})`).join('; ');
  const cannot = report.cannotUndo.length ? ` Cannot be undone: ${report.cannotUndo.join('; ')}.` : '';
  return `${steps || 'nothing to put back'}.${cannot}`;
}
