// Loads berthd's code and exits, without starting anything: the recovery benchmark times it to show
// how much of a restart is Node.js and tsx loading the sources.
import '../../packages/server/src/berthd.ts';
