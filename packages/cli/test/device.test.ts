// --device on train, study and evaluate: a bad name exits 2 naming the option; a CUDA device on a
// machine without a GPU exits 1 naming the device and the reason (the native runtime's status line).
import { cudaAvailable, cudaStatus } from '@nodulab/tensor';
import { runCli as run } from '../../../test/helpers/run_cli';

describe('--device', () => {
  it.each(['train', 'study', 'evaluate'])('%s refuses an unknown device with exit 2', async (command) => {
    const r = await run([command, '--device', 'gpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--device: unknown device "gpu" \(expected 'cpu', 'cuda' or 'cuda:N'\)/);
  });

  it.each([
    ['train', 'cuda', 'cuda:0'],
    ['study', 'cuda:0', 'cuda:0'],
    ['evaluate', 'cuda', 'cuda:0'],
  ])('%s --device %s exits 1 without a GPU, naming %s and the reason', async (command, flag, device) => {
    if (cudaAvailable()) {
      console.log(`skipped: a CUDA device is present (${cudaStatus()})`);
      return;
    }
    const r = await run([command, '--device', flag, '--out', '/nonexistent/never-written']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `nodulab ${command}: error: --device ${flag}: device ${device} is not available: ${cudaStatus()}`,
    );
  });
});
