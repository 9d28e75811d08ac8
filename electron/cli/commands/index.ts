/** Every command group of the CLI. Add a group as a file here and one line below. */
import type { Command } from 'commander';
import type { Io } from '../context';
import { registerLists } from './lists';
import { registerStatus } from './status';
import { registerServe } from './serve';
import { registerBackup } from './backup';

export type Register = (program: Command, io: Io) => void;

export const commands: Register[] = [registerLists, registerStatus, registerServe, registerBackup];
