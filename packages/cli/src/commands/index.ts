// Every nodulab subcommand, in the order `nodulab help` lists them. One line per command file.
import type { Command } from '../command';
import { generateCommand } from './generate';
import { trainCommand } from './train';
import { exportCommand } from './export';
import { inferCommand } from './infer';
import { convertCommand } from './convert';
import { evaluateCommand } from './evaluate';
import { studyCommand } from './study';
import { workerCommand } from './worker';

export const COMMANDS: Command[] = [
  generateCommand,
  trainCommand,
  exportCommand,
  inferCommand,
  convertCommand,
  evaluateCommand,
  studyCommand,
  workerCommand,
];
