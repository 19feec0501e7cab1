// The last finished button action of a panel (copied, saved, applied…), shown beside the buttons for a few
// seconds: a Lit controller, so the panel re-renders when the note goes and its timer stops with the panel.
import type { ReactiveController, ReactiveControllerHost } from 'lit';

const ACTION_NOTE_MS = 6000;

export interface ActionNote<A extends string> {
  runId: string;
  action: A;
  message: string;
}

export class ActionNotes<A extends string> implements ReactiveController {
  current: ActionNote<A> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  show(note: ActionNote<A>): void {
    this.current = note;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.current = null;
      this.host.requestUpdate();
    }, ACTION_NOTE_MS);
  }

  hostDisconnected(): void {
    clearTimeout(this.timer);
  }
}
