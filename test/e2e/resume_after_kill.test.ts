// Resume after a kill: `nodulab train` killed with SIGKILL in the middle of an epoch (no chance to
// clean up), then `nodulab train --resume`, ends with checkpoints byte-identical to an uninterrupted run.
import * as fs from 'fs';
import * as path from 'path';
import { spawnCli } from '../helpers/spawn_cli';
import { tinyRunConfig } from '../helpers/tiny_run';
import { suiteTempDir } from '../helpers/temp_dir';

jest.setTimeout(180_000);

const dir = suiteTempDir('nodulab-e2e-kill-');

/** A tiny, easy run: large spiculated vs small smooth nodules at 16^3, a quarter-width model, 3 epochs. */
const CONFIG = { loss: 'ce', epochs: 3, ...tinyRunConfig(256) };

/** The step records of a run's log.jsonl so far (a partly written last line is ignored). */
function stepsLogged(run: string): { epoch: number; step: number }[] {
  const file = path.join(run, 'log.jsonl');
  if (!fs.existsSync(file)) return [];
  const records: { event: string; epoch: number; step: number }[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    try {
      records.push(JSON.parse(line));
    } catch {
      // the line being written, or the empty tail
    }
  }
  return records.filter((r) => r.event === 'step');
}

const checkpoint = (run: string, name: string) => fs.readFileSync(path.join(run, 'checkpoints', `${name}.safetensors`));

describe('nodulab train, killed with SIGKILL, then --resume', () => {
  it('gives the same checkpoints as a run that was never interrupted', async () => {
    const config = path.join(dir, 'config.json');
    fs.writeFileSync(config, JSON.stringify(CONFIG));

    const full = path.join(dir, 'full');
    const whole = await spawnCli(['train', '--config', config, '--out', full]);
    expect(whole.stderr).not.toMatch(/error/i);
    expect(whole.code).toBe(0);

    // Kill the second process once its log shows the third step of epoch 2, i.e. in the middle of an epoch.
    const killed = path.join(dir, 'killed');
    const first = await spawnCli(['train', '--config', config, '--out', killed], {
      killWhen: () => stepsLogged(killed).some((r) => r.epoch === 2 && r.step >= 3),
    });
    expect(first.signal).toBe('SIGKILL');
    expect(fs.existsSync(path.join(killed, 'checkpoints', 'last.safetensors'))).toBe(true);
    expect(stepsLogged(killed).some((r) => r.epoch === 3)).toBe(false);
    const resumed = await spawnCli(['train', '--resume', '--out', killed]);
    expect(resumed.stderr).not.toMatch(/error/i);
    expect(resumed.code).toBe(0);
    for (const name of ['last', 'best']) expect(checkpoint(killed, name).equals(checkpoint(full, name))).toBe(true);
    const summary = (run: string) => JSON.parse(fs.readFileSync(path.join(run, 'summary.json'), 'utf8'));
    const outcome = (run: string) => {
      const { globalStep, samplesSeen, final, best, status } = summary(run);
      return { globalStep, samplesSeen, final, best, status };
    };
    expect(outcome(killed)).toEqual(outcome(full));
  });
});
