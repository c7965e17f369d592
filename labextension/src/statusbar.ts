/**
 * The status bar item: the run of the current notebook's kernel; a click opens its page.
 */
import { Widget } from '@lumino/widgets';

import { statusText, statusTitle } from './format';
import { wandbIcon } from './icons';
import { IRunStatus } from './protocol';

export class RunStatusItem extends Widget {
  constructor(onClick: () => void) {
    super();
    this.addClass('jp-wandb-RunStatus');
    this.node.setAttribute('role', 'button');
    this.node.tabIndex = 0;
    const icon = document.createElement('span');
    icon.className = 'jp-wandb-RunStatus-icon';
    wandbIcon.element({ container: icon, height: '14px', width: '14px' });
    this._label = document.createElement('span');
    this._label.className = 'jp-wandb-RunStatus-text';
    this.node.append(icon, this._label);
    this.node.addEventListener('click', () => onClick());
    this.node.addEventListener('keydown', event => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        onClick();
      }
    });
    this.showRun(null);
  }

  /** Show `run` (null: connected, no run). */
  showRun(run: IRunStatus | null): void {
    this._label.textContent = statusText(run);
    this.node.title = statusTitle(run);
    this.node.dataset.runState = run ? run.state : 'none';
    this.node.dataset.runStep = run ? String(run.step) : '';
    this.node.dataset.runId = run ? run.id : '';
  }

  private _label: HTMLSpanElement;
}
