// Opens a folder in the desktop's file manager. The path goes to the opener as one argv element,
// never through a shell (a torrent name can hold any character: qBittorrent CVE-2019-13640).

import { spawn } from 'node:child_process';

export type FolderOpener = (path: string) => Promise<void>;

export const openFolder: FolderOpener = (path) => {
  const cmd =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer.exe' : 'xdg-open';
  return new Promise((resolveP, reject) => {
    const child = spawn(cmd, [path], { detached: true, stdio: 'ignore', shell: false });
    child.once('error', (e) => reject(new Error(`cannot run ${cmd}: ${e.message}`)));
    child.once('spawn', () => {
      child.unref();
      resolveP();
    });
  });
};
