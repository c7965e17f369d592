/**
 * Polling for live pages: call `tick` every `intervalMs` while the page is visible, one call
 * at a time, until it answers false (the run finished) or the page goes away. A hidden tab
 * costs the server nothing; coming back polls at once.
 */
export class Poller {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private stopped = false;
  private readonly onVisibility = (): void => {
    if (document.hidden) {
      this.clearTimer();
    } else if (!this.running) {
      this.schedule(0);
    }
  };

  constructor(
    private readonly tick: () => Promise<boolean>,
    private readonly intervalMs = 2000
  ) {}

  start(): void {
    document.addEventListener('visibilitychange', this.onVisibility);
    this.schedule(this.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
    document.removeEventListener('visibilitychange', this.onVisibility);
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private schedule(delay: number): void {
    this.clearTimer();
    if (!this.stopped && !document.hidden) {
      this.timer = setTimeout(() => void this.run(), delay);
    }
  }

  private async run(): Promise<void> {
    this.timer = null;
    this.running = true;
    let again = true;
    try {
      again = await this.tick();
    } catch {
      // a failed poll (server restarting, network blip) is retried on the next tick
    } finally {
      this.running = false;
    }
    if (again) {
      this.schedule(this.intervalMs);
    } else {
      this.stop();
    }
  }
}
