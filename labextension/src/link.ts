/**
 * One notebook's link to `wandb_jupyter` in its kernel.
 *
 * When the kernel starts, restarts or changes, a Python kernel gets the silent
 * probe (see probe.ts) that hands over the notebook's path; when the kernel
 * side answers, a comm is opened (the path again, then renames) and the
 * kernel reports its run over it (a rename sends the probe again, with the new path).
 * Kernels without wandb_jupyter get nothing but that one silent request; after a cell that mentions wandb_jupyter in
 * such a kernel the probe is tried again (the user may have installed it). When the server has a W&B dashboard,
 * the probe also carries its URL and folders (asked once, before the first probe), so offline runs get pages.
 *
 * Only types come from JupyterLab here, so the logic runs under jest with fakes.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { mentionsWandbJupyter, probeAnswered, probeRequest } from './probe';
import {
  COMM_TARGET,
  FrontendMessage,
  IDashboardInfo,
  IRunStatus,
  parseKernelMessage,
  sameRun
} from './protocol';

/** The part of a Lab comm (`Kernel.IComm`) used here. */
export interface ICommLike {
  readonly isDisposed: boolean;
  onMsg: (msg: any) => void | PromiseLike<void>;
  onClose: (msg: any) => void | PromiseLike<void>;
  open(data?: any): unknown;
  send(data: any): unknown;
  close(data?: any): unknown;
  dispose(): void;
}

/** The part of a Lab kernel connection (`Kernel.IKernelConnection`) used here. */
export interface IKernelLike {
  readonly id: string;
  readonly info: Promise<{ language_info?: { name?: string } }>;
  requestExecute(
    content: any,
    disposeOnDone?: boolean
  ): { done: Promise<{ content: unknown }> };
  createComm(targetName: string): ICommLike;
}

/** The part of a Lab document context (`DocumentRegistry.IContext`) used here. */
export interface IContextLike {
  readonly path: string;
  readonly pathChanged: ISignal<any, string>;
  readonly sessionContext: {
    readonly session: { readonly kernel: IKernelLike | null } | null;
    readonly kernelChanged: ISignal<any, any>;
    readonly statusChanged: ISignal<any, string>;
  };
}

export interface ILinkOptions {
  context: IContextLike;
  /** The server's root folder (page config `serverRoot`), for an absolute path in the kernel. */
  root: () => string;
  /** Probe kernels when they start (the `connectKernels` setting). */
  autoConnect: () => boolean;
  /** A contents path without its drive prefix. */
  localPath?: (path: string) => string;
  /** The server's W&B dashboard, or null where it has none (asked once per page, shared by the links). */
  dashboard?: () => Promise<IDashboardInfo | null>;
}

/** Kernel statuses after which the kernel side is gone (a new process follows on restart). */
const GONE = new Set(['restarting', 'autorestarting', 'dead', 'terminating']);

export class KernelLink implements IDisposable {
  constructor(options: ILinkOptions) {
    this._options = options;
    const { context } = options;
    context.sessionContext.kernelChanged.connect(this._onKernelChanged, this);
    context.sessionContext.statusChanged.connect(this._onStatusChanged, this);
    context.pathChanged.connect(this._onPathChanged, this);
    if (this._kernel() !== null && options.autoConnect()) {
      void this.connect();
    }
  }

  /** The run the kernel reports (null: none, or not connected). */
  get status(): IRunStatus | null {
    return this._status;
  }

  /** True once the kernel answered over the comm (its first status), until the comm closes. */
  get connected(): boolean {
    return this._comm !== null && this._ready;
  }

  /** The wandb_jupyter version the kernel reported. */
  get kernelVersion(): string | null {
    return this._version;
  }

  /** Emitted when `status` or `connected` changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The kernel asks to open a page (WANDB_SHOW_RUN). */
  get openRequested(): ISignal<this, string> {
    return this._openRequested;
  }

  /** The kernel reports a failed request. */
  get errorReported(): ISignal<this, string> {
    return this._errorReported;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** The notebook's path as the kernel gets it (no drive prefix). */
  get path(): string {
    const { context, localPath } = this._options;
    return localPath ? localPath(context.path) : context.path;
  }

  /**
   * Probe the kernel now and open the comm when wandb_jupyter answers.
   * Resolves to whether the comm is open (`connected` follows with the kernel's first status).
   */
  connect(): Promise<boolean> {
    const kernel = this._kernel();
    if (this._disposed || kernel === null) {
      return Promise.resolve(false);
    }
    if (this._comm !== null && this._commKernel === kernel) {
      return Promise.resolve(this._ready);
    }
    if (this._probing !== null && this._probingKernel === kernel) {
      return this._probing;
    }
    const attempt = ++this._attempt;
    this._probingKernel = kernel;
    const probing = this._probe(kernel, attempt).finally(() => {
      if (this._attempt === attempt) {
        this._probing = null;
        this._probingKernel = null;
      }
    });
    this._probing = probing;
    return probing;
  }

  /** After a code cell ran: try again when it mentions wandb_jupyter and the kernel is not connected. */
  cellExecuted(source: string): void {
    if (
      this._comm === null &&
      this._probing === null &&
      mentionsWandbJupyter(source)
    ) {
      void this.connect();
    }
  }

  /** Ask the kernel to finish its shown run; false when not connected. */
  finish(): boolean {
    return this._send({ type: 'finish' });
  }

  /** Ask the kernel for its status again. */
  refresh(): boolean {
    return this._send({ type: 'status' });
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._attempt++;
    const comm = this._comm;
    this._comm = null;
    if (comm !== null && !comm.isDisposed) {
      try {
        comm.close();
      } catch {
        // the kernel may be gone already
      }
    }
    Signal.clearData(this);
  }

  private async _probe(kernel: IKernelLike, attempt: number): Promise<boolean> {
    try {
      const [info, dashboard] = await Promise.all([
        kernel.info,
        this._findDashboard()
      ]);
      this._dashboard = dashboard;
      if (!this._isCurrent(kernel, attempt)) {
        return false;
      }
      if (
        !info ||
        !info.language_info ||
        info.language_info.name !== 'python'
      ) {
        return false;
      }
      const future = kernel.requestExecute(
        probeRequest(this.path, this._options.root(), dashboard),
        true
      );
      const reply = await future.done;
      if (!this._isCurrent(kernel, attempt)) {
        return false;
      }
      if (!probeAnswered(reply.content)) {
        return false;
      }
      this._openComm(kernel);
      return true;
    } catch (error) {
      console.debug('wandb-jupyter: probing the kernel failed', error);
      return false;
    }
  }

  private _openComm(kernel: IKernelLike): void {
    const comm = kernel.createComm(COMM_TARGET);
    comm.onMsg = msg =>
      this._onMessage(comm, msg && msg.content ? msg.content.data : null);
    comm.onClose = () => {
      if (this._comm === comm) {
        this._comm = null;
        this._commKernel = null;
        this._ready = false;
        this._setStatus(null);
        this._changed.emit();
      }
    };
    this._comm = comm;
    this._commKernel = kernel;
    this._ready = false;
    comm.open(this._pathMessage());
  }

  private async _findDashboard(): Promise<IDashboardInfo | null> {
    const find = this._options.dashboard;
    try {
      return find ? await find() : null;
    } catch {
      return null;
    }
  }

  private _onMessage(comm: ICommLike, data: unknown): void {
    if (this._comm !== comm) {
      return;
    }
    const message = parseKernelMessage(data);
    if (message === null) {
      return;
    }
    switch (message.type) {
      case 'status': {
        if (message.version) {
          this._version = message.version;
        }
        const first = !this._ready;
        this._ready = true;
        if (this._setStatus(message.run) || first) {
          this._changed.emit();
        }
        break;
      }
      case 'open':
        this._openRequested.emit(message.url);
        break;
      case 'error':
        this._errorReported.emit(message.message);
        break;
    }
  }

  private _setStatus(run: IRunStatus | null): boolean {
    if (sameRun(this._status, run)) {
      return false;
    }
    this._status = run;
    return true;
  }

  private _pathMessage(): FrontendMessage {
    const message: FrontendMessage = {
      type: 'path',
      path: this.path,
      root: this._options.root()
    };
    if (this._dashboard !== null) {
      message.dashboard = this._dashboard;
    }
    return message;
  }

  private _send(message: FrontendMessage): boolean {
    const comm = this._comm;
    if (comm === null || comm.isDisposed) {
      return false;
    }
    try {
      comm.send(message);
      return true;
    } catch (error) {
      console.debug('wandb-jupyter: sending to the kernel failed', error);
      return false;
    }
  }

  private _kernel(): IKernelLike | null {
    const session = this._options.context.sessionContext.session;
    return (session && session.kernel) || null;
  }

  private _isCurrent(kernel: IKernelLike, attempt: number): boolean {
    return (
      !this._disposed && this._attempt === attempt && this._kernel() === kernel
    );
  }

  /** Forget the kernel side (it is gone or replaced). */
  private _drop(): void {
    this._attempt++;
    this._probing = null;
    this._probingKernel = null;
    const comm = this._comm;
    this._comm = null;
    this._commKernel = null;
    this._ready = false;
    if (comm !== null && !comm.isDisposed) {
      comm.dispose();
    }
    const changed = this._setStatus(null) || comm !== null;
    if (changed) {
      this._changed.emit();
    }
  }

  private _onKernelChanged(): void {
    this._drop();
    this._awaitingRestart = false;
    if (this._kernel() !== null && this._options.autoConnect()) {
      void this.connect();
    }
  }

  private _onStatusChanged(_: unknown, status: string): void {
    if (GONE.has(status)) {
      this._drop();
      this._awaitingRestart = status !== 'dead';
    } else if (status === 'idle' && this._awaitingRestart) {
      this._awaitingRestart = false;
      if (this._options.autoConnect()) {
        void this.connect();
      }
    }
  }

  /**
   * A rename: the new path goes the way the probe went, as a silent execute_request.
   * The shell queue orders it before any cell run after the rename, while comm messages
   * may travel on a kernel subshell (JupyterLab >= 4.4 with ipykernel 7), beside the cells.
   */
  private _onPathChanged(): void {
    const kernel = this._kernel();
    if (
      this._disposed ||
      kernel === null ||
      this._comm === null ||
      this._commKernel !== kernel
    ) {
      return;
    }
    try {
      kernel.requestExecute(
        probeRequest(this.path, this._options.root(), this._dashboard),
        true
      );
    } catch (error) {
      console.debug('wandb-jupyter: sending the new path failed', error);
    }
  }

  private _options: ILinkOptions;
  private _status: IRunStatus | null = null;
  private _dashboard: IDashboardInfo | null = null;
  private _version: string | null = null;
  private _comm: ICommLike | null = null;
  private _commKernel: IKernelLike | null = null;
  private _probing: Promise<boolean> | null = null;
  private _probingKernel: IKernelLike | null = null;
  private _attempt = 0;
  private _awaitingRestart = false;
  private _ready = false;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
  private _openRequested = new Signal<this, string>(this);
  private _errorReported = new Signal<this, string>(this);
}
