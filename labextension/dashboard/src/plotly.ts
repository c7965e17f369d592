/**
 * The loader of plotly.js for plotly figures drawn with plotly.js's basic bundle (scatter, bar and pie traces), shipped
 * with the dashboard under static/vendor/ (1.2 MB, 0.4 MB gzipped; no CDN) and loaded by a
 * <script> the first time a plotly panel is shown, so other pages never fetch it.
 */

/** The part of plotly.js the panel uses. */
export interface PlotlyApi {
  newPlot(
    node: HTMLElement,
    data: unknown[],
    layout?: unknown,
    config?: unknown
  ): Promise<unknown>;
}

let loading: Promise<PlotlyApi> | null = null;

/** plotly.js, loaded once (a script of the dashboard's own origin: the CSP allows nothing else). */
export function loadPlotly(): Promise<PlotlyApi> {
  if (loading === null) {
    loading = new Promise<PlotlyApi>((resolve, reject) => {
      // plotly's switch for a strict CSP: with this element present it adds no <style> rules
      const marker = document.createElement('link');
      marker.id = 'plotly.js-style-global';
      marker.className = 'no-inline-styles';
      document.head.appendChild(marker);
      const script = document.createElement('script');
      script.src = new URL(
        './vendor/plotly-basic.min.js',
        import.meta.url
      ).href;
      script.dataset.testid = 'plotly-script';
      script.onload = () => {
        const api = (window as unknown as { Plotly?: PlotlyApi }).Plotly;
        if (api) {
          resolve(api);
        } else {
          reject(new Error('plotly.js did not load'));
        }
      };
      script.onerror = () => {
        loading = null;
        reject(new Error('plotly.js could not be fetched'));
      };
      document.head.appendChild(script);
    });
  }
  return loading;
}
