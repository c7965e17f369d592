/**
 * wandb-jupyter's JupyterLab extension.
 *
 * - tells each notebook's kernel the notebook's path (at kernel start, restart
 *   and rename) so runs are named and snapshotted after their notebook;
 * - shows the run of the current notebook's kernel in the status bar, live;
 * - opens run pages in a Lab tab (or a browser tab), on a click, a command,
 *   or WANDB_SHOW_RUN in the kernel;
 * - commands: insert a %wandb_init cell, open the settings panel, open the
 *   run page, finish the run (palette, W&B menu, notebook toolbar and context menu).
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import {
  INotebookTracker,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { Signal } from '@lumino/signaling';

import { findDashboard } from './dashboard';
import { magicCellSource, noPageReason } from './format';
import { fetchHeaders, Placement, placementFor } from './frame';
import { wandbIcon } from './icons';
import { KernelLink } from './link';
import { IDashboardInfo } from './protocol';
import { RunPage } from './runpage';
import { RunStatusItem } from './statusbar';

const PLUGIN_ID = 'wandb-jupyter:plugin';

export namespace CommandIDs {
  export const insertInitCell = 'wandb-jupyter:insert-init-cell';
  export const openSettingsPanel = 'wandb-jupyter:open-settings-panel';
  export const openRunPage = 'wandb-jupyter:open-run-page';
  export const finishRun = 'wandb-jupyter:finish-run';
}

interface ISettings {
  openRunPagesIn: Placement;
  showStatusBar: boolean;
  connectKernels: boolean;
}

/** What "Open run page" did: where the page went, or why nothing opened. */
interface IOpenResult {
  opened: Placement | 'blocked' | null;
  url: string | null;
  reason?: string;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'wandb-jupyter: the notebook path for the kernel, the run in the status bar, run pages in Lab.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ISettingRegistry, IStatusBar, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    settingRegistry: ISettingRegistry | null,
    statusBar: IStatusBar | null,
    palette: ICommandPalette | null
  ) => {
    const settings: ISettings = {
      openRunPagesIn: 'lab',
      showStatusBar: true,
      connectKernels: true
    };
    const links = new Map<NotebookPanel, KernelLink>();
    const pages = new Map<string, RunPage>();
    const statusActive = new Signal<unknown, void>({});
    const { commands, shell } = app;

    const currentLink = (): KernelLink | null => {
      const panel = tracker.currentWidget;
      return (panel && links.get(panel)) || null;
    };

    // -- run pages --------------------------------------------------------------------------------------
    const openInBrowser = (url: string): IOpenResult => {
      const opened = window.open(url, '_blank');
      if (opened) {
        try {
          opened.opener = null;
        } catch {
          // cross-origin already
        }
        return { opened: 'browser', url };
      }
      // a popup blocker (no user gesture, e.g. WANDB_SHOW_RUN): offer a click
      Notification.info(`W&B run page: ${url}`, {
        autoClose: false,
        actions: [
          {
            label: 'Open in a browser tab',
            callback: () => window.open(url, '_blank', 'noopener')
          }
        ]
      });
      return { opened: 'blocked', url };
    };

    const openInLab = (
      url: string,
      label: string,
      activate: boolean
    ): IOpenResult => {
      let page = pages.get(url);
      if (!page || page.isDisposed) {
        page = new RunPage(url, label, target => openInBrowser(target));
        const created = page;
        pages.set(url, created);
        created.disposed.connect(() => {
          if (pages.get(url) === created) {
            pages.delete(url);
          }
        });
        // beside the notebook; opened by the kernel (WANDB_SHOW_RUN) it leaves the focus where it is
        shell.add(created, 'main', { mode: 'split-right', activate });
      } else {
        page.showPage(url, label);
      }
      if (activate) {
        shell.activateById(page.id);
      }
      return { opened: 'lab', url };
    };

    /** `label` is asked for once the placement is known: the run's status may arrive meanwhile. */
    const openRunPage = async (
      url: string,
      label: () => string,
      activate = true
    ): Promise<IOpenResult> => {
      if (settings.openRunPagesIn === 'browser') {
        return openInBrowser(url);
      }
      const placement = await placementFor(url, window.location.href, target =>
        fetchHeaders(target)
      );
      return placement === 'lab'
        ? openInLab(url, label(), activate)
        : openInBrowser(url);
    };

    const labelFor = (link: KernelLink | null): string => {
      const run = link && link.status;
      return run ? `W&B: ${run.name || run.id}` : 'W&B run';
    };

    // -- the status bar ---------------------------------------------------------------------------------
    const statusItem = new RunStatusItem(() => {
      void commands.execute(CommandIDs.openRunPage);
    });
    const refreshStatus = () => {
      const link = currentLink();
      statusItem.showRun(link ? link.status : null);
      statusActive.emit();
      commands.notifyCommandChanged(CommandIDs.finishRun);
      commands.notifyCommandChanged(CommandIDs.openRunPage);
    };
    if (statusBar) {
      statusBar.registerStatusItem('wandb-jupyter:run-status', {
        item: statusItem,
        align: 'left',
        rank: 5,
        isActive: () => {
          const link = currentLink();
          return settings.showStatusBar && link !== null && link.connected;
        },
        activeStateChanged: statusActive
      });
    }
    tracker.currentChanged.connect(refreshStatus);

    // -- one link per notebook ----------------------------------------------------------------------------
    const serverRoot = () => PageConfig.getOption('serverRoot') || '';
    // the server's W&B dashboard (offline runs under its folders get pages there): asked once
    let dashboard: Promise<IDashboardInfo | null> | null = null;
    const serverDashboard = () => {
      if (dashboard === null) {
        const serverSettings = app.serviceManager.serverSettings;
        dashboard = findDashboard(
          serverSettings.baseUrl,
          window.location.origin,
          (url, signal) =>
            ServerConnection.makeRequest(
              url,
              { method: 'GET', cache: 'no-store', signal },
              serverSettings
            )
        );
      }
      return dashboard;
    };
    const track = (panel: NotebookPanel) => {
      if (links.has(panel) || panel.isDisposed) {
        return;
      }
      const link = new KernelLink({
        context: panel.context,
        root: serverRoot,
        autoConnect: () => settings.connectKernels,
        localPath: path => app.serviceManager.contents.localPath(path),
        dashboard: serverDashboard
      });
      links.set(panel, link);
      link.changed.connect(() => {
        if (tracker.currentWidget === panel) {
          refreshStatus();
        }
        // a tab opened before the run's status arrived gets the run's name
        const run = link.status;
        const page = run && run.url ? pages.get(run.url) : undefined;
        if (page && !page.isDisposed) {
          page.showPage(run!.url!, labelFor(link));
        }
      });
      link.openRequested.connect((_, url) => {
        void openRunPage(url, () => labelFor(link), false);
      });
      link.errorReported.connect((_, message) => {
        Notification.error(`wandb-jupyter: ${message}`, { autoClose: 5000 });
      });
      panel.disposed.connect(() => {
        link.dispose();
        links.delete(panel);
        refreshStatus();
      });
    };

    NotebookActions.executed.connect((_, { notebook, cell }) => {
      if (cell.model.type !== 'code') {
        return;
      }
      for (const [panel, link] of links) {
        if (panel.content === notebook) {
          link.cellExecuted(cell.model.sharedModel.getSource());
        }
      }
    });

    // -- commands ---------------------------------------------------------------------------------------
    const insertCell = (source: string): NotebookPanel | null => {
      const panel = tracker.currentWidget;
      if (!panel) {
        return null;
      }
      NotebookActions.insertBelow(panel.content);
      const cell = panel.content.activeCell;
      if (cell) {
        cell.model.sharedModel.setSource(source);
      }
      return panel;
    };
    const hasNotebook = () => tracker.currentWidget !== null;

    commands.addCommand(CommandIDs.insertInitCell, {
      label: 'Insert %wandb_init cell',
      caption:
        'Insert a cell below that starts a W&B run (%wandb_init? lists its options)',
      icon: args => (args.toolbar ? wandbIcon : undefined),
      isEnabled: hasNotebook,
      execute: () => {
        const link = currentLink();
        const panel = insertCell(
          magicCellSource('%wandb_init', !!link && link.connected)
        );
        if (panel) {
          panel.content.mode = 'edit';
        }
        return panel !== null;
      }
    });

    commands.addCommand(CommandIDs.openSettingsPanel, {
      label: 'Open W&B settings panel',
      caption:
        'Insert and run a cell that shows the settings panel (every setting, its source, Start/Finish)',
      isEnabled: hasNotebook,
      execute: async () => {
        const link = currentLink();
        const panel = insertCell(
          magicCellSource('%wandb_settings', !!link && link.connected)
        );
        if (!panel) {
          return false;
        }
        await NotebookActions.run(panel.content, panel.sessionContext);
        return true;
      }
    });

    commands.addCommand(CommandIDs.openRunPage, {
      label: 'Open run page',
      caption:
        "Open the page of this notebook's W&B run (in a Lab tab or a browser tab, see the settings)",
      icon: wandbIcon,
      execute: async args => {
        const given =
          typeof args.url === 'string' && args.url ? args.url : null;
        const link = currentLink();
        const url = given || (link && link.status ? link.status.url : null);
        if (!url) {
          const reason = noPageReason(
            !!link && link.connected,
            link ? link.status : null
          );
          Notification.info(reason, { autoClose: 6000 });
          return { opened: null, url: null, reason } as IOpenResult;
        }
        return openRunPage(url, () => labelFor(link));
      }
    });

    commands.addCommand(CommandIDs.finishRun, {
      label: 'Finish run',
      caption: "Finish the W&B run of this notebook's kernel",
      isEnabled: () => {
        const link = currentLink();
        return !!link && !!link.status && link.status.state === 'running';
      },
      execute: () => {
        const link = currentLink();
        if (!link || !link.status || link.status.state !== 'running') {
          Notification.info("No running W&B run in this notebook's kernel.", {
            autoClose: 4000
          });
          return false;
        }
        return link.finish();
      }
    });

    if (palette) {
      const category = 'Weights & Biases';
      for (const command of [
        CommandIDs.insertInitCell,
        CommandIDs.openSettingsPanel,
        CommandIDs.openRunPage,
        CommandIDs.finishRun
      ]) {
        palette.addItem({ command, category });
      }
    }

    // -- settings, then the notebooks ---------------------------------------------------------------------
    const apply = (loaded: ISettingRegistry.ISettings) => {
      const value = loaded.composite as Partial<ISettings>;
      settings.openRunPagesIn =
        value.openRunPagesIn === 'browser' ? 'browser' : 'lab';
      settings.showStatusBar = value.showStatusBar !== false;
      settings.connectKernels = value.connectKernels !== false;
      refreshStatus();
    };
    const ready = settingRegistry
      ? settingRegistry
          .load(PLUGIN_ID)
          .then(loaded => {
            apply(loaded);
            loaded.changed.connect(apply);
          })
          .catch(reason => {
            console.warn(
              'wandb-jupyter: settings not loaded, using the defaults',
              reason
            );
          })
      : Promise.resolve();
    void ready.then(() => {
      tracker.forEach(track);
      tracker.widgetAdded.connect((_, panel) => track(panel));
      refreshStatus();
    });
  }
};

export default plugin;
