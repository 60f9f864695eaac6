// Each trainer (CE, SupCon two-stage, SupCon joint, SimCLR + fitted linear probe, + SGD linear probe,
// + fine-tuning) learns an easy spec: validation accuracy and AUROC well above chance (0.5), and each
// stage's loss falls (a fitted probe's below ln 2, the loss of a classifier that knows nothing).
import * as fs from 'fs';
import * as path from 'path';
import { train } from '../src';
import { tempDir, tinyConfig } from './helpers';

jest.setTimeout(30_000);

describe('trainers improve over chance on an easy spec', () => {
  const root = tempDir('trainers');
  it.each([
    ['ce', {}],
    ['supcon', {}],
    ['supcon-joint', {}],
    ['simclr', {}],
    ['simclr', { probe: { mode: 'linear-sgd', epochs: 3 } }],
    ['simclr', { probe: { mode: 'finetune', epochs: 3 } }],
  ] as const)('%s %j', async (loss, extra) => {
    const out = path.join(root, `${loss}-${JSON.stringify(extra).replace(/\W+/g, '')}`);
    const s = await train(tinyConfig({ loss, ...(extra as object) }), { outDir: out });
    expect(s.status).toBe('completed');
    expect(s.final?.accuracy).toBeGreaterThan(0.75);
    expect(s.final?.auroc).toBeGreaterThan(0.85);
    expect(s.best?.metric).toBe('auroc');
    // Every stage lowered its own loss: the last epoch's mean is below the first step's loss.
    const log = fs
      .readFileSync(path.join(out, 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    for (const stage of s.stages) {
      const first = log.find((r) => r.event === 'step' && r.stage === stage.name);
      const last = log.filter((r) => r.event === 'epoch' && r.stage === stage.name).pop();
      expect(last.trainLoss).toBeLessThan(stage.objective === 'logistic-regression' ? Math.LN2 : first.loss);
    }
  });
});
