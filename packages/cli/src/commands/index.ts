// Every nodulab subcommand, in the order `nodulab help` lists them. One line per command file.
import type { Command } from '../command';

export const COMMANDS: Command[] = [];
