import {
  cellImage,
  cellText,
  drawableFigure,
  classLabels,
  parseBoxes,
  histogramHeatMap,
  mediaCaptions,
  mediaFiles,
  parseTable,
  tableView
} from '../src/media';

describe('plotly figures', () => {
  it('draws scatter, bar and pie figures (untyped traces are scatter), not others', () => {
    const scatter = {
      data: [{ x: [1, 2], y: [3, 4] }],
      layout: { title: 't' }
    };
    expect(drawableFigure(scatter)).toEqual({
      data: scatter.data,
      layout: { title: 't' }
    });
    expect(
      drawableFigure({ data: [{ type: 'bar' }, { type: 'pie' }] })?.layout
    ).toEqual({});
    expect(
      drawableFigure({ data: [{ type: 'heatmap', z: [[1]] }] })
    ).toBeNull();
    expect(
      drawableFigure({ data: [{ type: 'scatter' }, { type: 'scatter3d' }] })
    ).toBeNull();
    expect(drawableFigure({ data: [] })).toBeNull();
    expect(drawableFigure([1, 2])).toBeNull();
    expect(drawableFigure(null)).toBeNull();
  });
});

describe('media values', () => {
  it('finds the image of a table cell (W&B table JSON), and nothing in other cells', () => {
    const cell = {
      _type: 'image-file',
      path: 'media/images/preds_0_ab.png',
      caption: 'c1',
      width: 8
    };
    expect(cellImage(cell)).toEqual({
      path: 'media/images/preds_0_ab.png',
      caption: 'c1'
    });
    expect(cellImage({ _type: 'image-file', path: 'x.png' })).toEqual({
      path: 'x.png',
      caption: ''
    });
    expect(cellImage({ _type: 'audio-file', path: 'a.wav' })).toBeNull();
    expect(cellImage({ _type: 'image-file' })).toBeNull();
    expect(cellImage('media/images/a.png')).toBeNull();
    expect(cellImage(null)).toBeNull();
  });

  it('names the files and captions of images and image lists', () => {
    expect(
      mediaFiles({ _type: 'image-file', path: 'media/images/a.png' })
    ).toEqual(['media/images/a.png']);
    const list = {
      _type: 'images/separated',
      filenames: ['a.png', 'b.png'],
      captions: ['x', 'y']
    };
    expect(mediaFiles(list)).toEqual(['a.png', 'b.png']);
    expect(mediaCaptions(list)).toEqual(['x', 'y']);
  });

  it('sorts, filters and pages a table', () => {
    const table = parseTable(
      JSON.stringify({
        columns: ['n', 'name'],
        data: [
          [3, 'c'],
          [1, 'a'],
          [2, 'b'],
          [10, 'ab']
        ]
      })
    );
    const base = {
      filter: '',
      sortColumn: 0,
      descending: false,
      page: 0,
      pageSize: 2
    };
    expect(tableView(table, base)).toEqual({
      rows: [
        [1, 'a'],
        [2, 'b']
      ],
      matched: 4,
      pages: 2
    });
    expect(tableView(table, { ...base, page: 1 }).rows).toEqual([
      [3, 'c'],
      [10, 'ab']
    ]);
    expect(
      tableView(table, { ...base, filter: 'A', descending: true }).rows
    ).toEqual([
      [10, 'ab'],
      [1, 'a']
    ]);
    expect(() => parseTable('{"rows": []}')).toThrow();
    expect(cellText({ _type: 'image-file' })).toBe('[image-file]');
  });

  it('lays histograms of several steps onto shared bins', () => {
    const map = histogramHeatMap(
      [
        {
          step: 0,
          value: { _type: 'histogram', values: [1, 3], bins: [0, 1, 2] }
        },
        { step: 5, value: { _type: 'histogram', values: [4], bins: [2, 4] } }
      ],
      4
    );
    expect(map?.steps).toEqual([0, 5]);
    expect(map?.edges).toEqual([0, 1, 2, 3, 4]);
    expect(map?.cells).toEqual([
      [1 / 3, 1, 0, 0],
      [0, 0, 0, 1]
    ]);
  });
});

describe('overlays', () => {
  it('reads boxes in pixels or fractions, corners or middles', () => {
    const json = {
      box_data: [
        {
          position: { minX: 2, maxX: 10, minY: 3, maxY: 12 },
          domain: 'pixel',
          class_id: 1,
          box_caption: 'a'
        },
        {
          position: { middle: [0.5, 0.5], width: 0.25, height: 0.5 },
          class_id: 2
        },
        { position: { minX: 'x' } }
      ],
      class_labels: { '1': 'cat', '2': 'dog' }
    };
    expect(parseBoxes(json, 100, 50)).toEqual([
      { x: 2, y: 3, w: 8, h: 9, classId: 1, caption: 'a' },
      { x: 37.5, y: 12.5, w: 25, h: 25, classId: 2, caption: '' }
    ]);
    expect([...classLabels(json)]).toEqual([
      [1, 'cat'],
      [2, 'dog']
    ]);
  });
});
