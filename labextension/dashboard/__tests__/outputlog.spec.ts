import {
  OutputLine,
  outputSegments,
  parseOutput,
  parseOutputLine
} from '../src/outputlog';

const STAMP = '2024-05-01T12:30:45.123456';

describe('parseOutputLine', () => {
  it('takes our timestamp prefix apart and marks stderr lines', () => {
    expect(parseOutputLine(`${STAMP} epoch 1 done`)).toEqual({
      text: 'epoch 1 done',
      stamp: STAMP,
      stderr: false,
      complete: true
    });
    expect(
      parseOutputLine(`ERROR ${STAMP} Traceback (most recent call last):`)
    ).toEqual({
      text: 'Traceback (most recent call last):',
      stamp: STAMP,
      stderr: true,
      complete: true
    });
    expect(parseOutputLine(`${STAMP} `)).toEqual({
      text: '',
      stamp: STAMP,
      stderr: false,
      complete: true
    });
  });

  it('reads the other timestamp shapes of W&B streams: no fraction, a zone', () => {
    expect(parseOutputLine('2024-05-01T12:30:45 x').stamp).toBe(
      '2024-05-01T12:30:45'
    );
    expect(parseOutputLine('ERROR 2024-05-01T12:30:45.1Z x')).toMatchObject({
      stamp: '2024-05-01T12:30:45.1Z',
      stderr: true,
      text: 'x'
    });
    expect(parseOutputLine('2024-05-01T12:30:45.123+00:00 x')).toMatchObject({
      stamp: '2024-05-01T12:30:45.123+00:00',
      text: 'x'
    });
  });

  it('keeps lines without the prefix exactly as they are (the W&B SDK local output.log)', () => {
    for (const raw of [
      'plain text',
      'ERROR something failed',
      `  ${STAMP} indented`,
      `${STAMP}no space`,
      '2024-05-01 12:30:45 x',
      ''
    ]) {
      expect(parseOutputLine(raw)).toEqual({
        text: raw,
        stamp: null,
        stderr: false,
        complete: true
      });
    }
    // only the first prefix is taken: text that itself starts like one stays text
    expect(parseOutputLine(`${STAMP} ERROR ${STAMP} nested`).text).toBe(
      `ERROR ${STAMP} nested`
    );
  });
});

describe('parseOutput', () => {
  it('splits a slice into lines and knows when the last one is cut', () => {
    const lines = parseOutput(
      `${STAMP} a\nERROR ${STAMP} b\nplain\n${STAMP} partial`
    );
    expect(lines.map(l => [l.text, l.stderr, l.complete])).toEqual([
      ['a', false, true],
      ['b', true, true],
      ['plain', false, true],
      ['partial', false, false]
    ]);
    expect(parseOutput('')).toEqual([]);
    expect(parseOutput('\n\n').map(l => l.text)).toEqual(['', '']);
  });

  it('continues a line cut in the previous slice with its stream and without a prefix', () => {
    const previous: OutputLine = {
      text: 'half',
      stamp: STAMP,
      stderr: true,
      complete: false
    };
    const lines = parseOutput(`${STAMP} of it\n${STAMP} next\n`, previous);
    expect(lines[0]).toEqual({
      text: `${STAMP} of it`,
      stamp: null,
      stderr: true,
      complete: true
    });
    expect(lines[1]).toEqual({
      text: 'next',
      stamp: STAMP,
      stderr: false,
      complete: true
    });
    const done: OutputLine = { ...previous, complete: true };
    expect(parseOutput(`${STAMP} fresh\n`, done)[0]).toMatchObject({
      text: 'fresh',
      stamp: STAMP
    });
  });
});

describe('outputSegments', () => {
  const lines = parseOutput(
    `${STAMP} one\n${STAMP} two\nERROR ${STAMP} bad\nERROR ${STAMP} worse\nraw line\n`
  );

  it('shows the text without timestamps, stderr apart, neighbours merged', () => {
    expect(outputSegments(lines, false)).toEqual([
      { kind: 'stdout', text: 'one\ntwo\n' },
      { kind: 'stderr', text: 'bad\nworse\n' },
      { kind: 'stdout', text: 'raw line\n' }
    ]);
  });

  it('puts the timestamps back on request, on the lines that had one', () => {
    expect(outputSegments(lines, true)).toEqual([
      { kind: 'stamp', text: `${STAMP} ` },
      { kind: 'stdout', text: 'one\n' },
      { kind: 'stamp', text: `${STAMP} ` },
      { kind: 'stdout', text: 'two\n' },
      { kind: 'stamp', text: `${STAMP} ` },
      { kind: 'stderr', text: 'bad\n' },
      { kind: 'stamp', text: `${STAMP} ` },
      { kind: 'stderr', text: 'worse\n' },
      { kind: 'stdout', text: 'raw line\n' }
    ]);
  });

  it('leaves a cut line open so the next slice continues it', () => {
    const cut = parseOutput(`${STAMP} half`);
    expect(outputSegments(cut, false)).toEqual([
      { kind: 'stdout', text: 'half' }
    ]);
    const rest = parseOutput(' done\n', cut[0]);
    expect(outputSegments([...cut, ...rest], false)).toEqual([
      { kind: 'stdout', text: 'half done\n' }
    ]);
  });
});
