// "Open … Run…" for every kind of stored run: a run id argument opens that run at once; otherwise a quick pick
// of the stored runs (newest first), or, with none yet, an offer to start one.
import * as vscode from 'vscode';

/** Codicon per run status, shown in the quick pick. */
const RUN_STATUS_ICON: Record<string, string> = {
  running: '$(sync~spin)',
  pending: '$(sync~spin)',
  completed: '$(pass)',
  failed: '$(error)',
  cancelled: '$(circle-slash)',
  budget_reached: '$(warning)',
};

/** One stored run as the picker shows it. */
export interface PickableRun {
  runId: string;
  status: string;
  startedAt: string;
  /** What the run was of, after the status icon. */
  label: string;
  /** After the status. */
  description: string;
}

export interface RunPickerOptions<R> {
  /** The command's argument: a run id opens that run directly (another command's action, a test). */
  arg: unknown;
  /** Stored runs, newest first. */
  list(): Promise<R[]>;
  present(run: R): PickableRun;
  /** Opens a run, or a new form without one. */
  open(runId?: string): void;
  /** Title of the quick pick, e.g. "Open Tuning Run". */
  title: string;
  placeHolder: string;
  /** Said when there is no run yet, e.g. "No tuning runs yet in this workspace." */
  noneYet: string;
  /** The button that starts one, e.g. "Run Prompt Tuning". */
  startLabel: string;
}

export async function pickRun<R>(o: RunPickerOptions<R>): Promise<void> {
  if (typeof o.arg === 'string' && o.arg.length > 0) {
    o.open(o.arg);
    return;
  }
  const runs = await o.list();
  if (runs.length === 0) {
    const choice = await vscode.window.showInformationMessage(o.noneYet, o.startLabel);
    if (choice) o.open();
    return;
  }
  const items = runs.map((r) => {
    const p = o.present(r);
    return {
      runId: p.runId,
      label: `${RUN_STATUS_ICON[p.status] ?? ''} ${p.label}`.trim(),
      description: `${p.status.replace('_', ' ')}${p.description ? ` · ${p.description}` : ''}`,
      detail: `${new Date(p.startedAt).toLocaleString()} · ${p.runId}`,
    };
  });
  const pick = await vscode.window.showQuickPick(items, {
    title: o.title,
    placeHolder: o.placeHolder,
    matchOnDetail: true,
    matchOnDescription: true,
  });
  if (pick) o.open(pick.runId);
}
