import { imageDataUrl, parseNotebook, stripAnsi } from '../src/notebook';

const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('parseNotebook', () => {
  const nb = {
    nbformat: 4,
    cells: [
      { cell_type: 'markdown', source: ['# Title\n', 'some *text*'] },
      {
        cell_type: 'code',
        execution_count: 3,
        source: 'print(1)\nx',
        outputs: [
          { output_type: 'stream', name: 'stdout', text: ['1\n'] },
          {
            output_type: 'execute_result',
            data: { 'text/plain': ['42'], 'text/html': ['<b>42</b>'] }
          },
          {
            output_type: 'display_data',
            data: { 'image/png': `${PNG}\n`, 'text/plain': '<Figure>' }
          },
          {
            output_type: 'display_data',
            data: { 'text/html': '<script>alert(1)</script>' }
          },
          {
            output_type: 'error',
            ename: 'ValueError',
            evalue: 'bad',
            traceback: ['\u001b[0;31mValueError\u001b[0m: bad']
          }
        ]
      },
      { cell_type: 'raw', source: '' }
    ]
  };

  it('keeps markdown, code, text outputs and images, never HTML', () => {
    const cells = parseNotebook(JSON.stringify(nb));
    expect(cells).toEqual([
      { kind: 'markdown', source: '# Title\nsome *text*' },
      {
        kind: 'code',
        source: 'print(1)\nx',
        count: 3,
        outputs: [
          { kind: 'text', text: '1\n', error: false },
          { kind: 'text', text: '42', error: false },
          { kind: 'image', src: `data:image/png;base64,${PNG}` },
          { kind: 'text', text: 'ValueError: bad', error: true }
        ]
      }
    ]);
  });

  it('refuses text that is not a notebook', () => {
    expect(() => parseNotebook('{"a": 1}')).toThrow('not a notebook');
    expect(() => parseNotebook('nope')).toThrow();
  });
});

describe('imageDataUrl', () => {
  it('accepts only base64 PNG/JPEG data', () => {
    expect(imageDataUrl('image/png', ['iVBO', 'Rw0K'])).toBe(
      'data:image/png;base64,iVBORw0K'
    );
    expect(imageDataUrl('image/png', 'abc"onerror=x')).toBeNull();
    expect(imageDataUrl('image/svg+xml', 'PHN2Zz4=')).toBeNull();
    expect(imageDataUrl('image/png', '')).toBeNull();
  });

  it('strips terminal colours', () => {
    expect(stripAnsi('\u001b[1;31mError\u001b[0m')).toBe('Error');
  });
});
