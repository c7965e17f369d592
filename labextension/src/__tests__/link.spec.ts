import { Signal } from '@lumino/signaling';

import { ICommLike, IContextLike, IKernelLike, KernelLink } from '../link';
import { COMM_TARGET, IDashboardInfo } from '../protocol';
import { PROBE_KEY } from '../probe';

class FakeComm implements ICommLike {
  isDisposed = false;
  opened: any[] = [];
  sent: any[] = [];
  closed = false;
  onMsg: (msg: any) => void = () => undefined;
  onClose: (msg: any) => void = () => undefined;
  constructor(readonly target: string) {}
  /** like the kernel: a status comes back once the comm is open (unless `silent`) */
  silent = false;
  open(data?: any) {
    this.opened.push(data);
    if (!this.silent) {
      void Promise.resolve().then(() =>
        this.receive({ type: 'status', run: null, version: '0.1.0' })
      );
    }
  }
  send(data: any) {
    this.sent.push(data);
  }
  close() {
    this.closed = true;
    this.isDisposed = true;
  }
  dispose() {
    this.isDisposed = true;
  }
  /** the kernel sends `data` */
  receive(data: unknown) {
    this.onMsg({ content: { data } });
  }
}

class FakeKernel implements IKernelLike {
  requests: any[] = [];
  comms: FakeComm[] = [];
  constructor(
    readonly id: string,
    public language = 'python',
    public answers = true
  ) {}
  get info() {
    return Promise.resolve({ language_info: { name: this.language } });
  }
  requestExecute(content: any) {
    this.requests.push(content);
    const expressions = this.answers
      ? { [PROBE_KEY]: { status: 'ok', data: { 'text/plain': '1' } } }
      : { [PROBE_KEY]: { status: 'error', ename: 'KeyError' } };
    return {
      done: Promise.resolve({
        content: { status: 'ok', user_expressions: expressions }
      })
    };
  }
  createComm(target: string) {
    const comm = new FakeComm(target);
    this.comms.push(comm);
    return comm;
  }
  get comm(): FakeComm {
    return this.comms[this.comms.length - 1];
  }
}

class FakeContext implements IContextLike {
  path = 'dir/lab_check.ipynb';
  pathChanged = new Signal<any, string>(this);
  session: { kernel: IKernelLike | null } | null = null;
  kernelChanged = new Signal<any, any>(this);
  statusChanged = new Signal<any, string>(this);
  sessionContext = this as any;

  setKernel(kernel: FakeKernel | null) {
    this.session = { kernel };
    this.kernelChanged.emit({ newValue: kernel });
  }
}

const flush = () => new Promise(resolve => setTimeout(resolve, 0));

function makeLink(
  context: FakeContext,
  autoConnect = true,
  dashboard?: () => Promise<IDashboardInfo | null>
) {
  return new KernelLink({
    context,
    root: () => '/srv/root',
    autoConnect: () => autoConnect,
    localPath: path => path.replace(/^RTC:/, ''),
    dashboard
  });
}

const DASHBOARD: IDashboardInfo = {
  base: 'http://localhost:8888/wandb',
  roots: ['/srv/root']
};

const running = {
  name: 'lab_check-1',
  id: 'r1',
  project: 'p',
  state: 'running',
  step: 0,
  mode: 'offline',
  url: null
};

describe('KernelLink', () => {
  it('probes a new Python kernel with the path and opens the comm when it answers', async () => {
    const context = new FakeContext();
    const link = makeLink(context);
    const kernel = new FakeKernel('k1');
    context.setKernel(kernel);
    await flush();
    expect(kernel.requests).toHaveLength(1);
    expect(kernel.requests[0].code).toContain(
      '_wandb_jupyter_hello("dir/lab_check.ipynb", "/srv/root")'
    );
    expect(kernel.requests[0].silent).toBe(true);
    expect(link.connected).toBe(true);
    expect(kernel.comm.target).toBe(COMM_TARGET);
    expect(kernel.comm.opened).toEqual([
      { type: 'path', path: 'dir/lab_check.ipynb', root: '/srv/root' }
    ]);
  });

  it('hands the dashboard inside Jupyter to the kernel in the probe, the comm and renames', async () => {
    const context = new FakeContext();
    let asked = 0;
    let answer!: (info: IDashboardInfo | null) => void;
    const found = new Promise<IDashboardInfo | null>(
      resolve => (answer = resolve)
    );
    const link = makeLink(context, true, () => {
      asked++;
      return found;
    });
    const kernel = new FakeKernel('k1');
    context.setKernel(kernel);
    await flush();
    expect(kernel.requests).toHaveLength(0); // the probe waits for the dashboard's answer
    answer(DASHBOARD);
    await flush();
    expect(kernel.requests).toHaveLength(1);
    expect(kernel.requests[0].code).toContain(
      '_wandb_jupyter_hello("dir/lab_check.ipynb", "/srv/root", {"base": "http://localhost:8888/wandb", "roots": ["/srv/root"]})'
    );
    expect(kernel.comm.opened).toEqual([
      {
        type: 'path',
        path: 'dir/lab_check.ipynb',
        root: '/srv/root',
        dashboard: DASHBOARD
      }
    ]);
    expect(link.connected).toBe(true);
    context.path = 'renamed.ipynb';
    context.pathChanged.emit(context.path);
    expect(kernel.requests[1].code).toContain(
      '"renamed.ipynb", "/srv/root", {"base": '
    );
    expect(asked).toBe(1);
  });

  it('probes without a dashboard when the server has none or asking it fails', async () => {
    for (const find of [
      () => Promise.resolve(null),
      () => Promise.reject(new Error('down'))
    ]) {
      const context = new FakeContext();
      const link = makeLink(context, true, find);
      const kernel = new FakeKernel('k1');
      context.setKernel(kernel);
      await flush();
      expect(kernel.requests[0].code).toContain(
        '_wandb_jupyter_hello("dir/lab_check.ipynb", "/srv/root")\n'
      );
      expect(kernel.comm.opened[0]).not.toHaveProperty('dashboard');
      expect(link.connected).toBe(true);
    }
  });

  it('is connected once the kernel answers over the comm', async () => {
    const context = new FakeContext();
    const link = makeLink(context);
    const kernel = new FakeKernel('k1');
    kernel.createComm = (target: string) => {
      const comm = new FakeComm(target);
      comm.silent = true;
      kernel.comms.push(comm);
      return comm;
    };
    let changes = 0;
    link.changed.connect(() => changes++);
    context.setKernel(kernel);
    await flush();
    expect(kernel.comms).toHaveLength(1);
    expect(link.connected).toBe(false);
    expect(changes).toBe(0);
    kernel.comm.receive({ type: 'status', run: null });
    expect(link.connected).toBe(true);
    expect(changes).toBe(1);
  });

  it('leaves kernels without wandb_jupyter and non-Python kernels alone', async () => {
    const context = new FakeContext();
    const link = makeLink(context);
    const without = new FakeKernel('k1', 'python', false);
    context.setKernel(without);
    await flush();
    expect(without.requests).toHaveLength(1);
    expect(without.comms).toHaveLength(0);
    expect(link.connected).toBe(false);

    const r = new FakeKernel('k2', 'R');
    context.setKernel(r);
    await flush();
    expect(r.requests).toHaveLength(0);
    expect(link.connected).toBe(false);
  });

  it('retries after a cell that mentions wandb_jupyter, not after others', async () => {
    const context = new FakeContext();
    const link = makeLink(context);
    const kernel = new FakeKernel('k1', 'python', false);
    context.setKernel(kernel);
    await flush();
    link.cellExecuted('print(1)');
    await flush();
    expect(kernel.requests).toHaveLength(1);
    kernel.answers = true;
    link.cellExecuted('import wandb_jupyter as wandb');
    await flush();
    expect(kernel.requests).toHaveLength(2);
    expect(link.connected).toBe(true);
    link.cellExecuted('import wandb_jupyter');
    await flush();
    expect(kernel.requests).toHaveLength(2);
  });

  it('does not probe by itself when autoConnect is off', async () => {
    const context = new FakeContext();
    const link = makeLink(context, false);
    const kernel = new FakeKernel('k1');
    context.setKernel(kernel);
    await flush();
    expect(kernel.requests).toHaveLength(0);
    link.cellExecuted('%load_ext wandb_jupyter');
    await flush();
    expect(link.connected).toBe(true);
  });

  it('reports status, open and error messages from the kernel', async () => {
    const context = new FakeContext();
    const link = makeLink(context);
    const kernel = new FakeKernel('k1');
    context.setKernel(kernel);
    await flush();
    let changes = 0;
    const opened: string[] = [];
    const errors: string[] = [];
    link.changed.connect(() => changes++);
    link.openRequested.connect((_, url) => opened.push(url));
    link.errorReported.connect((_, message) => errors.push(message));

    kernel.comm.receive({ type: 'status', run: null, version: '0.1.0' });
    expect(changes).toBe(0); // nothing new: no run before, no run now
    expect(link.kernelVersion).toBe('0.1.0');
    kernel.comm.receive({ type: 'status', run: running });
    kernel.comm.receive({ type: 'status', run: { ...running } });
    expect(changes).toBe(1);
    expect(link.status).toEqual(running);
    kernel.comm.receive({ type: 'status', run: { ...running, step: 5 } });
    expect(link.status!.step).toBe(5);
    kernel.comm.receive({ type: 'open', url: 'http://127.0.0.1:1/run' });
    kernel.comm.receive({ type: 'error', message: 'no run' });
    kernel.comm.receive({ type: 'unknown' });
    expect(opened).toEqual(['http://127.0.0.1:1/run']);
    expect(errors).toEqual(['no run']);
  });

  it('sends a rename as a silent request (ordered with cells), finish and refresh over the comm', async () => {
    const context = new FakeContext();
    const link = makeLink(context);
    expect(link.finish()).toBe(false);
    const kernel = new FakeKernel('k1');
    context.setKernel(kernel);
    await flush();
    context.path = 'RTC:renamed.ipynb';
    context.pathChanged.emit(context.path);
    expect(kernel.requests).toHaveLength(2);
    expect(kernel.requests[1].code).toContain(
      '_wandb_jupyter_hello("renamed.ipynb", "/srv/root")'
    );
    expect(kernel.requests[1].silent).toBe(true);
    expect(link.finish()).toBe(true);
    expect(link.refresh()).toBe(true);
    expect(kernel.comm.sent).toEqual([{ type: 'finish' }, { type: 'status' }]);
  });

  it('sends no rename to a kernel without wandb_jupyter', async () => {
    const context = new FakeContext();
    makeLink(context);
    const kernel = new FakeKernel('k1', 'python', false);
    context.setKernel(kernel);
    await flush();
    context.pathChanged.emit('other.ipynb');
    expect(kernel.requests).toHaveLength(1);
  });

  it('reconnects after a restart, and forgets the run meanwhile', async () => {
    const context = new FakeContext();
    const link = makeLink(context);
    const kernel = new FakeKernel('k1');
    context.setKernel(kernel);
    await flush();
    kernel.comm.receive({ type: 'status', run: running });
    const first = kernel.comm;

    context.statusChanged.emit('restarting');
    expect(link.connected).toBe(false);
    expect(link.status).toBeNull();
    expect(first.isDisposed).toBe(true);
    context.statusChanged.emit('starting');
    context.statusChanged.emit('idle');
    await flush();
    expect(kernel.requests).toHaveLength(2);
    expect(kernel.comms).toHaveLength(2);
    expect(link.connected).toBe(true);
    // later idles do not probe again
    context.statusChanged.emit('busy');
    context.statusChanged.emit('idle');
    await flush();
    expect(kernel.requests).toHaveLength(2);
  });

  it('drops the link when the kernel closes the comm, and closes it when disposed', async () => {
    const context = new FakeContext();
    const link = makeLink(context);
    const kernel = new FakeKernel('k1');
    context.setKernel(kernel);
    await flush();
    kernel.comm.onClose({});
    expect(link.connected).toBe(false);
    await link.connect();
    const comm = kernel.comm;
    link.dispose();
    expect(comm.closed).toBe(true);
    expect(link.isDisposed).toBe(true);
  });

  it('ignores a probe answer for a kernel that was replaced meanwhile', async () => {
    const context = new FakeContext();
    const link = makeLink(context);
    const first = new FakeKernel('k1');
    context.setKernel(first);
    const second = new FakeKernel('k2');
    context.setKernel(second);
    await flush();
    expect(first.comms).toHaveLength(0);
    expect(second.comms).toHaveLength(1);
    expect(link.connected).toBe(true);
  });
});
