#!/usr/bin/env node
// The ssh program git runs for Berth's fetches (GIT_SSH). Git calls it with ssh's own arguments
// (`[-p port] [-o SendEnv=GIT_PROTOCOL] user@host 'git-upload-pack ...'`) and without a shell;
// this adds `-F <config>`, the session's ssh configuration (deploy key, pinned host keys, batch
// mode, no agent or forwarding), which the root user's ~/.ssh/config and /etc/ssh/ssh_config then
// cannot change. GIT_SSH_COMMAND or core.sshCommand would do the same through a shell string.
import { spawn } from 'node:child_process';

const config = process.env.BERTH_SSH_CONFIG;
if (!config) {
  process.stderr.write(
    'berth-ssh: BERTH_SSH_CONFIG is not set; refusing to run ssh with its default configuration\n',
  );
  process.exit(255);
}
const child = spawn('ssh', ['-F', config, ...process.argv.slice(2)], { stdio: 'inherit' });
child.once('error', (err) => {
  process.stderr.write(`berth-ssh: cannot run ssh: ${err.message}\n`);
  process.exit(255);
});
child.once('exit', (code, signal) => process.exit(code ?? (signal ? 255 : 0)));
