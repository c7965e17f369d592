import { LabIcon } from '@jupyterlab/ui-components';

const svgstr = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">
  <g class="jp-icon3" fill="#616161">
    <circle cx="3" cy="2.5" r="1.2"/><circle cx="3" cy="7" r="1.9"/><circle cx="3" cy="12.5" r="1.2"/>
    <circle cx="8" cy="4.5" r="1.9"/><circle cx="8" cy="10" r="1.2"/><circle cx="8" cy="14" r="1.2"/>
    <circle cx="13" cy="2.5" r="1.2"/><circle cx="13" cy="7" r="1.9"/><circle cx="13" cy="12.5" r="1.2"/>
  </g>
</svg>`;

/** A W&B-like mark: three columns of dots. */
export const wandbIcon = new LabIcon({ name: 'wandb-jupyter:mark', svgstr });
