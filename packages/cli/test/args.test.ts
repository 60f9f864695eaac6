// The CLI option parser: values, flags, defaults, and a UsageError for every malformed invocation.
import { parseArgs, UsageError, OptionSpecs } from '../src/args';

const SPECS: OptionSpecs = {
  n: { type: 'integer', description: 'count', default: 10, min: 1 },
  spec: { type: 'string', description: 'preset' },
  format: { type: 'string', description: 'format', choices: ['nifti', 'npz'], default: 'nifti' },
  lr: { type: 'number', description: 'rate' },
  quick: { type: 'boolean', description: 'fast' },
};

describe('parseArgs', () => {
  it('reads values, flags, defaults and positionals', () => {
    const { options, positionals } = parseArgs(['a.nii', '--n', '5', '--spec=iid', '--quick', '--lr', '0.1'], SPECS);
    expect(options).toEqual({ n: 5, spec: 'iid', format: 'nifti', quick: true, lr: 0.1 });
    expect(positionals).toEqual(['a.nii']);
  });

  it.each([
    [['--bogus'], /unknown option --bogus/],
    [['--n'], /--n needs a value/],
    [['--n', '--quick'], /--n needs a value/],
    [['--n', 'x'], /--n must be a number; got 'x'/],
    [['--n', '1.5'], /--n must be an integer/],
    [['--n', '0'], /--n must be >= 1/],
    [['--format', 'dicom'], /--format must be one of nifti, npz/],
    [['--quick=yes'], /--quick is a flag/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv as string[], SPECS)).toThrow(UsageError);
    expect(() => parseArgs(argv as string[], SPECS)).toThrow(message as RegExp);
  });
});
