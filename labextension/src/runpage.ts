/**
 * A run page in a JupyterLab main-area tab: an iframe with "open in a browser tab" and "reload".
 */
import { MainAreaWidget, ToolbarButton } from '@jupyterlab/apputils';
import { IFrame, launchIcon, refreshIcon } from '@jupyterlab/ui-components';

import { RUN_PAGE_SANDBOX } from './frame';
import { wandbIcon } from './icons';

let counter = 0;

export class RunPage extends MainAreaWidget<IFrame> {
  constructor(
    url: string,
    label: string,
    openInBrowser: (url: string) => void
  ) {
    const content = new IFrame({
      sandbox: RUN_PAGE_SANDBOX,
      referrerPolicy: 'no-referrer'
    });
    super({ content });
    this.id = `wandb-run-page-${++counter}`;
    this.addClass('jp-wandb-RunPage');
    this.title.icon = wandbIcon;
    this.title.closable = true;
    this.toolbar.addItem(
      'open-in-browser',
      new ToolbarButton({
        icon: launchIcon,
        label: 'Open in a browser tab',
        tooltip:
          'Open this page in a new browser tab (for pages that refuse to be framed)',
        onClick: () => openInBrowser(this.url)
      })
    );
    this.toolbar.addItem(
      'reload',
      new ToolbarButton({
        icon: refreshIcon,
        tooltip: 'Reload the page',
        onClick: () => {
          const current = this.url;
          this.content.url = 'about:blank';
          requestAnimationFrame(() => (this.content.url = current));
        }
      })
    );
    this.showPage(url, label);
  }

  get url(): string {
    return this._url;
  }

  /** Show `url`, titled after the run. */
  showPage(url: string, label: string): void {
    this._url = url;
    this.title.label = label;
    this.title.caption = url;
    this.node.dataset.url = url;
    if (this.content.url !== url) {
      this.content.url = url;
    }
  }

  private _url = '';
}
