// `nodulab study <name>` over the registry, without training: every registered study has its --help form with
// the shared options and its own; an option of one study is refused for another; an unknown name lists the
// registered ones; a spec problem exits 2 before anything is written. (Each study's --quick run is an
// end-to-end test of its package folder; loss-generalization's and two others' also run here through the CLI,
// in-process and on the queue: study.test.ts, study_queue.test.ts.)
import * as fs from 'fs';
import * as path from 'path';
import { STUDIES } from '@nodulab/study';
import { runCli as run } from '../helpers/run_cli';
import { suiteTempDir } from '../helpers/temp_dir';

const dir = suiteTempDir('nodulab-studies-cli-');
const SHARED = ['--spec', '--quick', '--seeds', '--threads', '--out', '--queue', '--results'];

describe('nodulab study <name> over the registry', () => {
  it('lists every registered study in its summary', async () => {
    const r = await run(['study', '--help']);
    expect(r.code).toBe(0);
    for (const s of STUDIES) expect(r.stdout).toContain(s.name);
  });

  it.each(STUDIES.map((s) => [s.name]))(
    'study %s --help gives its summary, the shared options and its own',
    async (name) => {
      const study = STUDIES.find((s) => s.name === name)!;
      const r = await run(['study', name, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(study.summary);
      for (const o of SHARED) expect(r.stdout).toContain(o);
      for (const o of Object.keys(study.options ?? {})) expect(r.stdout).toContain(`--${o}`);
      for (const other of STUDIES.filter((s) => s !== study))
        for (const o of Object.keys(other.options ?? {}))
          if (!(study.options && o in study.options)) expect(r.stdout).not.toContain(`--${o}`);
    },
  );

  it('refuses an option of another study, naming the study it belongs to', async () => {
    const owner = STUDIES.find((s) => Object.keys(s.options ?? {}).length > 0)!;
    const option = Object.keys(owner.options!)[0];
    const other = STUDIES.find((s) => !(s.options && option in s.options))!;
    const value = owner.options![option].type === 'boolean' ? [] : ['1'];
    const r = await run(['study', other.name, '--quick', `--${option}`, ...value, '--out', path.join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--${option} applies to the ${owner.name} study only`);
    expect(fs.existsSync(path.join(dir, 'x'))).toBe(false);
  });

  it('names the registered studies for an unknown one', async () => {
    const r = await run(['study', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`unknown study 'nope' \\(studies: ${STUDIES.map((s) => s.name).join(', ')}\\)`),
    );
  });

  it.each(STUDIES.map((s) => [s.name]))(
    'study %s: a spec problem exits 2, names its path and writes nothing',
    async (name) => {
      const spec = path.join(dir, `${name}.json`);
      fs.writeFileSync(spec, JSON.stringify({ seeds: 0 }));
      const out = path.join(dir, `never-${name}`);
      const r = await run(['study', name, '--spec', spec, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/invalid study spec:[\s\S]*seeds/);
      expect(fs.existsSync(out)).toBe(false);
    },
  );

  it('calibration-ood: a layer the U-Net lacks exits 2 before anything is written', async () => {
    const out = path.join(dir, 'bad-layer');
    const r = await run(['study', 'calibration-ood', '--quick', '--ood-layer', 'bottelneck', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/layers\[0\]: the model has no layer "bottelneck"; its layers: .*bottleneck/);
    expect(fs.existsSync(out)).toBe(false);
  });
});
